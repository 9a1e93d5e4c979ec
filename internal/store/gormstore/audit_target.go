package gormstore

import (
	"context"

	"github.com/syncd-dev/syncd/internal/store"
)

// ListAuditByTarget returns the newest events on any of targets, newest
// first; limit 0 or less means 100. It uses audit_events_target_idx.
func (t *txn) ListAuditByTarget(ctx context.Context, targets []string, limit int) ([]store.AuditEvent, error) {
	if len(targets) == 0 {
		return nil, nil
	}
	if limit <= 0 {
		limit = defaultLimit
	}
	var rows []auditRow
	if err := t.conn(ctx).Where("target IN ?", targets).Order("seq DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap("list audit by target", err)
	}
	out := make([]store.AuditEvent, len(rows))
	for i, r := range rows {
		out[i] = r.toEvent()
	}
	return out, nil
}
