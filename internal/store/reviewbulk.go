package store

import (
	"context"
	"time"
)

// ReviewItemVersion names one review item at the version its change was
// planned against.
type ReviewItemVersion struct {
	ID      int64
	Version int64
}

// ReviewItemChange is one change applied to a whole set of review items
// at once (closing a stage). Nil and zero fields leave the column as is.
type ReviewItemChange struct {
	Stage *int
	State ReviewItemState
	// Reviewers, when set, replaces the reviewers and the route (and the
	// reviewer index); the store refuses a set where any item's holder is
	// among them.
	Reviewers *[]string
	Route     string
	// ClearDecision empties the decision and who made it (an item
	// advancing to the next stage).
	ClearDecision bool
	// Default records the non-response default as the item's decision.
	Default *ReviewDefault
	// Escalated, when set, sets the flag.
	Escalated *bool
	// Remediation, when set, replaces the remediation.
	Remediation *Remediation
}

// ReviewDefault is a decision made by the non-response default.
type ReviewDefault struct {
	Decision      string // certify | revoke
	Justification string
	DecidedBy     string
	At            time.Time
}

// ReviewBulkTx writes review items set-based: a few statements per set
// instead of one read-modify-write per item.
type ReviewBulkTx interface {
	// UpdateReviewItemsSet applies ch to every listed item; each must
	// still be at the given version, else ErrConflict (and the caller's
	// transaction must be rolled back: part of the set may be written).
	// Version grows by one.
	UpdateReviewItemsSet(ctx context.Context, items []ReviewItemVersion, ch ReviewItemChange) error
	// CreateReviewDecisions inserts decisions in batches.
	CreateReviewDecisions(ctx context.Context, ds []ReviewDecision) error
}
