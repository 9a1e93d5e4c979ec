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
	Limit  int
}

// FindingReadTx is the read side of findings that pages and reports use;
// the NHI package owns how findings are written.
type FindingReadTx interface {
	ListFindings(ctx context.Context, q FindingQuery) ([]Finding, error)
	// CountOpenFindingsByRule counts unresolved findings per rule.
	CountOpenFindingsByRule(ctx context.Context) (map[string]int, error)
}
