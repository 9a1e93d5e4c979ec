package store

import (
	"context"
	"time"
)

// WebSession is one browser session of the web UI, before and after
// sign-in. Only a hash of the session id the browser holds is stored, so a
// leaked database does not leak live sessions. Data is the auth package's
// own encoding of what the session carries, opaque to the store.
type WebSession struct {
	IDHash   string // hex SHA-256 of the session id
	PersonID string // "" until signed in
	// SID is the provider's session id (the ID token's sid claim) of the
	// sign-in, "" when the provider sent none.
	SID        string
	Data       []byte
	CreatedAt  time.Time
	LastSeenAt time.Time
	// ExpiresAt is the absolute end of the session; the idle timeout is
	// measured from LastSeenAt by the auth package.
	ExpiresAt time.Time
}

// OIDCIdentity links an OpenID Connect identity, keyed on (Issuer,
// Subject) as OIDC Core §2 requires, to a person.
type OIDCIdentity struct {
	Issuer   string
	Subject  string
	PersonID string
	// LinkedBy names the claim that linked it ("email", "employeeNumber")
	// and LinkedValue the value it had, kept for the audit trail.
	LinkedBy    string
	LinkedValue string
	CreatedAt   time.Time
	LastLoginAt time.Time
}

// WebTx is the web sign-in part of Tx.
type WebTx interface {
	WebReader
	WebWriter
}

// WebReader is the reading half of WebTx.
type WebReader interface {
	GetWebSession(ctx context.Context, idHash string) (WebSession, error)

	GetOIDCIdentity(ctx context.Context, issuer, subject string) (OIDCIdentity, error)
}

// WebWriter is the writing half of WebTx.
type WebWriter interface {
	// CreateWebSession fails with ErrConflict when the id hash exists.
	CreateWebSession(ctx context.Context, s WebSession) (WebSession, error)
	// UpdateWebSession replaces PersonID, SID, Data, LastSeenAt and ExpiresAt;
	// ErrNotFound when the session is gone.
	UpdateWebSession(ctx context.Context, s WebSession) (WebSession, error)
	// DeleteWebSession removes the session; a missing one is not an error.
	DeleteWebSession(ctx context.Context, idHash string) error
	// DeleteWebSessionsBefore removes sessions whose ExpiresAt or whose
	// LastSeenAt is before the given times, returning how many went.
	DeleteWebSessionsBefore(ctx context.Context, expiresBefore, lastSeenBefore time.Time) (int, error)
	// PutOIDCIdentity creates or replaces the identity for (Issuer, Subject).
	PutOIDCIdentity(ctx context.Context, id OIDCIdentity) (OIDCIdentity, error)
}
