package store

import "context"

// EvidenceScanTx is what the campaign workbook reads to rebuild the
// holders' attributes as of the campaign's launch and to compare a fresh
// evaluation of the scope with the reviewed population.
type EvidenceScanTx interface {
	// ListAuditByAction returns at most limit events with Seq > afterSeq
	// whose action is one of actions, in Seq order (0 or less: 100).
	ListAuditByAction(ctx context.Context, afterSeq int64, actions []string, limit int) ([]AuditEvent, error)
	// ListCampaignItemsByGrant returns the campaign's review items of any
	// of these grants (missing ones are absent), in no particular order.
	ListCampaignItemsByGrant(ctx context.Context, campaignID string, grantIDs []string) ([]ReviewItem, error)
	// ListRequestsExtending returns the requests that extend any of these
	// grants (ExtendsGrantID), ordered by (CreatedAt, ID).
	ListRequestsExtending(ctx context.Context, grantIDs []string) ([]AccessRequest, error)
}
