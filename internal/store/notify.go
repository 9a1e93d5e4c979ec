package store

import (
	"context"
	"time"
)

// DigestState is where a notification digest is in its life (see
// internal/notify): open (collecting notifications until SendAfter),
// sending (closed; its job is delivering it), and then sent, dropped
// (nothing in it was still relevant, or the person has no address on the
// channel) or failed (out of attempts).
type DigestState string

// Digest states.
const (
	DigestOpen    DigestState = "open"
	DigestSending DigestState = "sending"
	DigestSent    DigestState = "sent"
	DigestDropped DigestState = "dropped"
	DigestFailed  DigestState = "failed"
)

// DigestKey names one digest: one message per channel, person, kind,
// subject and UTC day (Day is "2006-01-02").
type DigestKey struct {
	Channel  string
	PersonID string
	Kind     string
	Subject  string
	Day      string
}

// NotificationDigest is one message to one person on one channel,
// gathering every notification of its key.
type NotificationDigest struct {
	ID int64
	DigestKey
	State     DigestState
	SendAfter time.Time
	Attempts  int // delivery attempts so far
	LastError string
	SentAt    *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// NotificationDelivery files a notification on a channel: into a digest,
// or (DigestID 0) skipped for Reason.
type NotificationDelivery struct {
	NotificationID int64
	Channel        string
	DigestID       int64
	Reason         string
	CreatedAt      time.Time
}

// DigestQuery selects digests to list, newest first; zero fields match all.
type DigestQuery struct {
	States   []DigestState
	PersonID string
	Limit    int // 0: DefaultLimit; All: every one
}

// NotifyTx is the storage of notification delivery.
type NotifyTx interface {
	NotifyReader
	NotifyWriter
}

// NotifyReader is the reading half of NotifyTx.
type NotifyReader interface {
	// ListUndispatchedNotifications returns notifications created at or
	// after since that have no delivery on channel yet, oldest first, at
	// most limit.
	ListUndispatchedNotifications(ctx context.Context, channel string, since time.Time, limit int) ([]Notification, error)
	// GetDigest returns a digest by id (ErrNotFound).
	GetDigest(ctx context.Context, id int64) (NotificationDigest, error)
	// ListDigestNotifications returns the notifications filed into the
	// digest, oldest first.
	ListDigestNotifications(ctx context.Context, digestID int64) ([]Notification, error)
	// ListDigests returns digests matching q, newest first.
	ListDigests(ctx context.Context, q DigestQuery) ([]NotificationDigest, error)
}

// NotifyWriter is the writing half of NotifyTx.
type NotifyWriter interface {
	// OpenDigest returns the digest of key, creating it (open, due at
	// sendAfter) when there is none, and reports whether it created it.
	// Inside a transaction the digest's row stays locked until the
	// transaction ends.
	OpenDigest(ctx context.Context, key DigestKey, sendAfter time.Time) (NotificationDigest, bool, error)
	// AddDelivery records d unless the notification already has a
	// delivery on d.Channel; it reports whether it recorded it.
	AddDelivery(ctx context.Context, d NotificationDelivery) (bool, error)
	// UpdateDigest reads the digest under a row lock, passes it to fn and
	// writes what fn returns (state, attempts, last error, sent at); an
	// error from fn aborts the update and is returned as is.
	UpdateDigest(ctx context.Context, id int64, fn func(NotificationDigest) (NotificationDigest, error)) (NotificationDigest, error)
}
