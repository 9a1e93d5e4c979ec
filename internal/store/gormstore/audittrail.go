package gormstore

import (
	"context"
	"slices"

	"github.com/syncd-dev/syncd/internal/store"
)

// ListAuditTrail filters on the indexed columns and pages by seq: a
// newer page is read oldest first from its cursor and turned around.
func (t *txn) ListAuditTrail(ctx context.Context, q store.AuditTrailQuery) ([]store.AuditEvent, error) {
	q.Limit = pageLimit(q.Limit)
	db := t.conn(ctx).Model(&auditRow{})
	if q.BeforeSeq > 0 {
		db = db.Where("seq < ?", q.BeforeSeq)
	}
	if q.AfterSeq > 0 {
		db = db.Where("seq > ?", q.AfterSeq)
	}
	if !q.From.IsZero() {
		db = db.Where("time >= ?", utc(q.From))
	}
	if !q.To.IsZero() {
		db = db.Where("time < ?", utc(q.To))
	}
	if len(q.Actions) > 0 {
		db = db.Where("action IN ?", q.Actions)
	}
	if q.Actor != "" {
		db = db.Where("actor = ?", q.Actor)
	}
	if q.Target != "" {
		db = db.Where("target = ?", q.Target)
	}
	order := "seq DESC"
	if q.AfterSeq > 0 && q.BeforeSeq == 0 {
		order = "seq"
	}
	var rows []auditRow
	if err := db.Order(order).Limit(q.Limit).Find(&rows).Error; err != nil {
		return nil, wrap("list audit trail", err)
	}
	out := make([]store.AuditEvent, len(rows))
	for i, r := range rows {
		out[i] = r.toEvent()
	}
	if order == "seq" {
		slices.Reverse(out)
	}
	return out, nil
}
