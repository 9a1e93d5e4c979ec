package gormstore

import (
	"context"

	"github.com/syncd-dev/syncd/internal/store"
)

// CountPendingApprovals counts with the filter ListRequests uses for
// RequestQuery.Approver.
func (t *txn) CountPendingApprovals(ctx context.Context, approverID string) (int, error) {
	if approverID == "" {
		return 0, nil
	}
	var n int64
	err := t.conn(ctx).Model(&requestRow{}).
		Where("state = ? AND approvers LIKE ?", string(store.RequestPending), "%|"+escapeLike(approverID)+"|%").
		Count(&n).Error
	if err != nil {
		return 0, wrap("count pending approvals", err)
	}
	return int(n), nil
}

// CountOpenReviewItems counts through the reviewer index joined to the
// items and their campaigns, so only the current stage of active
// campaigns counts.
func (t *txn) CountOpenReviewItems(ctx context.Context, reviewerID string) (int, error) {
	if reviewerID == "" {
		return 0, nil
	}
	var n int64
	err := t.conn(ctx).Table("review_item_reviewers r").
		Joins("JOIN review_items i ON i.id = r.item_id").
		Joins("JOIN campaigns c ON c.id = i.campaign_id").
		Where("r.person_id = ? AND c.state = ? AND i.stage = c.stage AND i.holder_id <> ? AND i.decision = '' AND i.state IN ?",
			reviewerID, string(store.CampaignActive), reviewerID,
			[]string{string(store.ItemPending), string(store.ItemDecided), string(store.ItemEscalated)}).
		Count(&n).Error
	if err != nil {
		return 0, wrap("count open review items", err)
	}
	return int(n), nil
}
