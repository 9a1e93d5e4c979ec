package gormstore

import (
	"context"
	"fmt"

	"github.com/syncd-dev/syncd/internal/store"
)

// ScanRequests pages over the requests created in [From, To) by
// (created_at, id).
func (t *txn) ScanRequests(ctx context.Context, q store.RequestScan) ([]store.AccessRequest, error) {
	db := t.conn(ctx).Model(&requestRow{}).Where("created_at >= ? AND created_at < ?", utc(q.From), utc(q.To))
	if q.AfterID != "" {
		ac := utc(q.AfterCreated)
		db = db.Where("(created_at > ? OR (created_at = ? AND id > ?))", ac, ac, q.AfterID)
	}
	limit := pageLimit(q.Limit)
	var rows []requestRow
	if err := db.Order("created_at, id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap("scan requests", err)
	}
	out := make([]store.AccessRequest, 0, len(rows))
	for _, r := range rows {
		req, err := r.toRequest()
		if err != nil {
			return nil, fmt.Errorf("gormstore: scan requests: %w", err)
		}
		out = append(out, req)
	}
	return out, nil
}

// ListGrantsByRequest returns the grants of these requests, oldest first.
func (t *txn) ListGrantsByRequest(ctx context.Context, requestIDs []string) ([]store.Grant, error) {
	if len(requestIDs) == 0 {
		return nil, nil
	}
	var rows []grantRow
	if err := t.conn(ctx).Where("request_id IN ?", requestIDs).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, wrap("list grants by request", err)
	}
	out := make([]store.Grant, 0, len(rows))
	for _, r := range rows {
		g, err := r.toGrant()
		if err != nil {
			return nil, fmt.Errorf("gormstore: list grants by request: %w", err)
		}
		out = append(out, g)
	}
	return out, nil
}

// ListGrantsByID returns the grants with these IDs.
func (t *txn) ListGrantsByID(ctx context.Context, ids []string) ([]store.Grant, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []grantRow
	if err := t.conn(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, wrap("list grants by id", err)
	}
	out := make([]store.Grant, 0, len(rows))
	for _, r := range rows {
		g, err := r.toGrant()
		if err != nil {
			return nil, fmt.Errorf("gormstore: list grants by id: %w", err)
		}
		out = append(out, g)
	}
	return out, nil
}
