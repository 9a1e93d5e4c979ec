package notify

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// Notification kinds that syncd records. The strings are stored; the
// web shows the same notifications as notices.
const (
	KindApprovalRequested  = "approval.requested"
	KindRequestDecided     = "request.decided"
	KindCredentialReady    = "credential.ready"
	KindGrantExpiring      = "grant.expiring"
	KindFulfillmentConfirm = "fulfillment.confirm"
	KindTakeBackFailed     = "takeback.failed"
	KindReviewAssigned     = "review.assigned"
	KindReviewReminder     = "review.reminder"
	KindReviewEscalated    = "review.escalated"
	KindReviewRemediation  = "review.remediation"
	KindReownership        = "nhi.reownership"
)

// Job kinds this package registers with the job runner.
const (
	JobDispatch = "notify.dispatch"
	JobDeliver  = "notify.deliver"
)

// Defaults for the Service's zero fields.
const (
	DefaultWindow      = time.Minute
	DefaultMaxAge      = 72 * time.Hour
	DefaultMaxAttempts = 8
	DefaultDispatch    = 30 * time.Second
)

// Channel sends digests on one medium.
type Channel interface {
	// Name is the channel's name in digests and metrics: "email", "chat".
	Name() string
	// Accepts reports whether notifications of kind go out on it.
	Accepts(kind string) bool
	// Send delivers m. ErrNoAddress (wrapped) means the recipient cannot
	// be reached on this channel: the digest is dropped, not retried.
	Send(ctx context.Context, m Message) error
}

// ErrNoAddress: the recipient has no address on the channel.
var ErrNoAddress = errors.New("notify: recipient has no address on this channel")

// Observer is told about each delivery attempt; metrics implement it.
// result is "ok", "retry", "failed" or "dropped".
type Observer interface {
	NotificationDelivered(channel, result string)
}

// Service files notifications into digests and delivers them.
type Service struct {
	Store    store.Store
	Channels []Channel
	// BaseURL is the web UI's address, for the links in messages.
	BaseURL string
	// Window is how long a digest collects notifications after its first
	// before it is sent.
	Window time.Duration
	// MaxAge: notifications older than this when first seen are not sent
	// (a long outage, or delivery turned on over an old database).
	MaxAge time.Duration
	// MaxAttempts is how many times a digest's job is claimed before the
	// digest fails.
	MaxAttempts int
	Now         func() time.Time
	Logger      *slog.Logger
	Observer    Observer
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func (s *Service) window() time.Duration { return or(s.Window, DefaultWindow) }
func (s *Service) maxAge() time.Duration { return or(s.MaxAge, DefaultMaxAge) }
func (s *Service) maxAttempts() int      { return or(s.MaxAttempts, DefaultMaxAttempts) }
func (s *Service) observe(ch, res string) {
	if s.Observer != nil {
		s.Observer.NotificationDelivered(ch, res)
	}
}

func (s *Service) channel(name string) Channel {
	for _, c := range s.Channels {
		if c.Name() == name {
			return c
		}
	}
	return nil
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
