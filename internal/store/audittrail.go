package store

import (
	"context"
	"time"
)

// AuditTrailQuery selects audit events for people to read: newest first,
// paged by sequence number in either direction. Empty fields do not
// filter.
type AuditTrailQuery struct {
	// BeforeSeq: events with Seq < BeforeSeq (the next, older page).
	// AfterSeq: events with Seq > AfterSeq, the oldest of them (the
	// previous, newer page). Both zero: the newest events.
	BeforeSeq, AfterSeq int64
	From, To            time.Time // To is exclusive
	Actions             []string  // any of these names (an action and its older names); empty for all
	Actor               string    // exact: "person:<id>", "system", ...
	Target              string    // exact: "request:<id>", ...
	Limit               int       // 0: DefaultLimit; All: every one
}

// AuditTrailTx reads the audit log for the web's audit trail.
type AuditTrailTx interface {
	// ListAuditTrail returns the events matching q, newest first.
	ListAuditTrail(ctx context.Context, q AuditTrailQuery) ([]AuditEvent, error)
}
