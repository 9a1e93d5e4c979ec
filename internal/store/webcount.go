package store

import "context"

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
}
