package store

import (
	"context"
	"time"
)

// WebCountTx counts what the web UI's navigation shows on every page,
// with one aggregate query each instead of loading the lists.
type WebCountTx interface {
	// CountPendingApprovals counts the pending requests whose current
	// stage lists approverID (what RequestQuery{Approver} lists).
	CountPendingApprovals(ctx context.Context, approverID string) (int, error)
	// CountOpenReviewItems counts the undecided review items reviewerID
	// may decide now: in an active campaign's current stage, pending or
	// escalated, and not held by the reviewer.
	CountOpenReviewItems(ctx context.Context, reviewerID string) (int, error)
	// CountDecidedByDay counts a campaign's items by the UTC day of
	// their current decision (undecided items not at all), oldest first:
	// the campaign's progress over time.
	CountDecidedByDay(ctx context.Context, campaignID string) ([]DayCount, error)
}

// DayCount is how many of something happened on one UTC day.
type DayCount struct {
	Day time.Time // midnight UTC
	N   int
}
