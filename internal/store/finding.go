package store

import (
	"context"
	"time"
)

// FindingState is where an orphan finding stands.
type FindingState string

const (
	FindingOpen         FindingState = "open"
	FindingAcknowledged FindingState = "acknowledged" // a documented exception until AckExpiresAt
	FindingResolved     FindingState = "resolved"
)

// Finding is one orphan rule firing for one NHI. A finding opens when its
// rule fires, updates while it keeps firing, and resolves itself when the
// cause goes away; its history stays.
type Finding struct {
	ID               int64
	NHIID            string
	Rule             string // no-owner, owner-inactive, project-ended, credential-expired, rotation-overdue, unused
	Reason           string // human-readable
	State            FindingState
	OpenedAt         time.Time
	UpdatedAt        time.Time
	ResolvedAt       *time.Time
	AckBy            string
	AckJustification string
	AckExpiresAt     *time.Time
}

// FindingQuery selects findings; empty fields do not filter.
type FindingQuery struct {
	NHIID string
	Rule  string
	// States: nil means open and acknowledged (everything not resolved).
	States []FindingState
	// AfterID pages by ID. Limit 0 is DefaultLimit; the evaluator reads
	// the whole unresolved set in one query with All.
	AfterID int64
	Limit   int
}

// FindingEvent is one step in a finding's history: opened, updated (the
// reason changed), acknowledged, reopened (an acknowledgement expired),
// resolved.
type FindingEvent struct {
	ID        int64
	FindingID int64
	At        time.Time
	Kind      string
	Actor     string
	Reason    string
}

// FindingReadTx is the read side of findings that pages and reports use;
// the NHI package owns how findings are written.
type FindingReadTx interface {
	ListFindings(ctx context.Context, q FindingQuery) ([]Finding, error)
	// CountOpenFindingsByRule counts unresolved findings per rule.
	CountOpenFindingsByRule(ctx context.Context) (map[string]int, error)
	GetFinding(ctx context.Context, id int64) (Finding, error)
	// ListFindingEvents returns a finding's history, oldest first.
	ListFindingEvents(ctx context.Context, findingID int64) ([]FindingEvent, error)
}

// FindingTx is the finding part of Tx.
type FindingTx interface {
	FindingReadTx
	FindingWriter
}

// FindingWriter is the write side of findings, set-based so one evaluation
// of the whole inventory costs a handful of statements.
type FindingWriter interface {
	// CreateFindings inserts fs and returns them with their IDs, in order.
	// At most one unresolved finding may exist per (NHIID, Rule):
	// ErrConflict otherwise.
	CreateFindings(ctx context.Context, fs []Finding) ([]Finding, error)
	// SaveFindings overwrites the findings with the given IDs (all fields
	// but ID, NHIID, Rule and OpenedAt); ErrNotFound if one is missing.
	SaveFindings(ctx context.Context, fs []Finding) error
	// AddFindingEvents appends history entries.
	AddFindingEvents(ctx context.Context, evs []FindingEvent) error
}
