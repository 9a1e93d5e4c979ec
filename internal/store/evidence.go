package store

import (
	"context"
	"time"
)

// RequestScan pages over the requests created in [From, To), ordered by
// (CreatedAt, ID); the cursor is the last request of the previous page.
type RequestScan struct {
	From, To     time.Time
	AfterCreated time.Time
	AfterID      string // "" for the first page
	Limit        int    // 0: DefaultLimit; All: every one
}

// EvidenceTx is what evidence workbooks read beyond the other ports: the
// requests of a period and the grants they created, page by page.
type EvidenceTx interface {
	ScanRequests(ctx context.Context, q RequestScan) ([]AccessRequest, error)
	// ListGrantsByRequest returns the grants created by any of these
	// requests, ordered by creation.
	ListGrantsByRequest(ctx context.Context, requestIDs []string) ([]Grant, error)
	// ListGrantsByID returns the grants with these IDs (missing ones are
	// absent), in no particular order.
	ListGrantsByID(ctx context.Context, ids []string) ([]Grant, error)
}
