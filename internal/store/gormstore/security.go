package gormstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var _ store.SecurityTx = (*txn)(nil)

// RevokePersonAccess deletes the person's web sessions and revokes the live
// tokens they own, in the caller's transaction.
func (t *txn) RevokePersonAccess(ctx context.Context, personID string, at time.Time) (int, int, error) {
	op := fmt.Sprintf("revoke access of person %q", personID)
	if personID == "" {
		return 0, 0, fmt.Errorf("gormstore: %s: person is required", op)
	}
	if at.IsZero() {
		at = t.stamp()
	}
	var sessions, tokens int
	err := t.atomic(ctx, func(t *txn) error {
		res := t.conn(ctx).Where("person_id = ?", personID).Delete(&webSessionRow{})
		if res.Error != nil {
			return res.Error
		}
		sessions = int(res.RowsAffected)
		res = t.conn(ctx).Model(&tokenRow{}).Where("owner_id = ? AND revoked_at IS NULL", personID).Update("revoked_at", utc(at))
		if res.Error != nil {
			return res.Error
		}
		tokens = int(res.RowsAffected)
		return nil
	})
	if err != nil {
		return 0, 0, wrap(op, err)
	}
	return sessions, tokens, nil
}

// ListAuditEvents returns the events matching q in Seq order.
func (t *txn) ListAuditEvents(ctx context.Context, q store.AuditQuery) ([]store.AuditEvent, error) {
	q.Limit = pageLimit(q.Limit)
	db := t.conn(ctx).Where("seq > ?", q.AfterSeq)
	if !q.From.IsZero() {
		db = db.Where("time >= ?", utc(q.From))
	}
	if !q.To.IsZero() {
		db = db.Where("time < ?", utc(q.To))
	}
	if len(q.Actions) > 0 {
		db = db.Where("action IN ?", q.Actions)
	}
	var rows []auditRow
	if err := db.Order("seq").Limit(q.Limit).Find(&rows).Error; err != nil {
		return nil, wrap("list audit events", err)
	}
	out := make([]store.AuditEvent, len(rows))
	for i, r := range rows {
		out[i] = r.toEvent()
	}
	return out, nil
}

// CountAnonymousWebSessions counts sessions without a person.
func (t *txn) CountAnonymousWebSessions(ctx context.Context) (int, error) {
	var n int64
	if err := t.conn(ctx).Model(&webSessionRow{}).Where("person_id = ''").Count(&n).Error; err != nil {
		return 0, wrap("count anonymous web sessions", err)
	}
	return int(n), nil
}

// DeleteWebSessionsBySID deletes the sessions signed in under sid (and of
// personID when given).
func (t *txn) DeleteWebSessionsBySID(ctx context.Context, sid, personID string) (int, error) {
	if sid == "" {
		return 0, errors.New("gormstore: delete web sessions by sid: sid is required")
	}
	db := t.conn(ctx).Where("oidc_sid = ?", sid)
	if personID != "" {
		db = db.Where("person_id = ?", personID)
	}
	res := db.Delete(&webSessionRow{})
	if res.Error != nil {
		return 0, wrap("delete web sessions by sid", res.Error)
	}
	return int(res.RowsAffected), nil
}

// DeleteWebSessionsOfPerson deletes the person's web sessions.
func (t *txn) DeleteWebSessionsOfPerson(ctx context.Context, personID string) (int, error) {
	if personID == "" {
		return 0, errors.New("gormstore: delete web sessions of person: person is required")
	}
	res := t.conn(ctx).Where("person_id = ?", personID).Delete(&webSessionRow{})
	if res.Error != nil {
		return 0, wrap("delete web sessions of person", res.Error)
	}
	return int(res.RowsAffected), nil
}
