package store

import (
	"context"
	"time"
)

// AuditQuery selects audit events for reading (export, the audit API).
type AuditQuery struct {
	AfterSeq int64     // events with Seq > AfterSeq (cursor)
	From, To time.Time // zero: unbounded; To is exclusive
	Actions  []string  // any of these names; empty for all
	Limit    int       // 0: DefaultLimit; All: every one
}

// SecurityTx is what sign-in security needs beyond sessions and tokens.
type SecurityTx interface {
	SecurityReader
	SecurityWriter
}

// SecurityReader is the reading half of SecurityTx.
type SecurityReader interface {
	// ListAuditEvents returns the events matching q in Seq order.
	ListAuditEvents(ctx context.Context, q AuditQuery) ([]AuditEvent, error)
	// CountAnonymousWebSessions counts live sessions not signed in.
	CountAnonymousWebSessions(ctx context.Context) (int, error)
}

// SecurityWriter is the writing half of SecurityTx.
type SecurityWriter interface {
	// RevokePersonAccess deletes every web session of personID and revokes
	// every live token it owns at at, returning how many of each.
	RevokePersonAccess(ctx context.Context, personID string, at time.Time) (sessions, tokens int, err error)
	// DeleteWebSessionsOfPerson deletes every web session of personID.
	DeleteWebSessionsOfPerson(ctx context.Context, personID string) (int, error)
	// DeleteWebSessionsBySID deletes the web sessions signed in under the
	// provider session sid (and of personID, unless it is ""); sid must
	// not be empty.
	DeleteWebSessionsBySID(ctx context.Context, sid, personID string) (int, error)
}
