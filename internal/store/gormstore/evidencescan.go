package gormstore

import (
	"context"
	"fmt"

	"github.com/syncd-dev/syncd/internal/store"
)

// ListAuditByAction returns events after afterSeq with one of actions, by
// seq: a range scan of the primary key that leaves the other events in
// the database.
func (t *txn) ListAuditByAction(ctx context.Context, afterSeq int64, actions []string, limit int) ([]store.AuditEvent, error) {
	if len(actions) == 0 {
		return nil, nil
	}
	if limit <= 0 {
		limit = defaultLimit
	}
	var rows []auditRow
	if err := t.conn(ctx).Where("seq > ? AND action IN ?", afterSeq, actions).Order("seq").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap("list audit by action", err)
	}
	out := make([]store.AuditEvent, len(rows))
	for i, r := range rows {
		out[i] = r.toEvent()
	}
	return out, nil
}

// ListCampaignItemsByGrant returns the campaign's items of these grants,
// through the unique (campaign_id, grant_id) index.
func (t *txn) ListCampaignItemsByGrant(ctx context.Context, campaignID string, grantIDs []string) ([]store.ReviewItem, error) {
	if len(grantIDs) == 0 {
		return nil, nil
	}
	var rows []reviewItemRow
	if err := t.conn(ctx).Where("campaign_id = ? AND grant_id IN ?", campaignID, grantIDs).Find(&rows).Error; err != nil {
		return nil, wrap("list campaign items by grant", err)
	}
	out := make([]store.ReviewItem, 0, len(rows))
	for _, r := range rows {
		it, err := r.toReviewItem()
		if err != nil {
			return nil, fmt.Errorf("gormstore: list campaign items by grant: %w", err)
		}
		out = append(out, it)
	}
	return out, nil
}

// ListRequestsExtending returns the requests extending these grants,
// through access_requests_extends_idx (its predicate repeated so every
// planner uses it).
func (t *txn) ListRequestsExtending(ctx context.Context, grantIDs []string) ([]store.AccessRequest, error) {
	if len(grantIDs) == 0 {
		return nil, nil
	}
	var rows []requestRow
	if err := t.conn(ctx).Where("extends_grant_id <> '' AND extends_grant_id IN ?", grantIDs).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, wrap("list requests extending", err)
	}
	out := make([]store.AccessRequest, 0, len(rows))
	for _, r := range rows {
		req, err := r.toRequest()
		if err != nil {
			return nil, fmt.Errorf("gormstore: list requests extending: %w", err)
		}
		out = append(out, req)
	}
	return out, nil
}
