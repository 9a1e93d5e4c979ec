package gormstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm/clause"

	"github.com/syncd-dev/syncd/internal/store"
)

type auditRow struct {
	Seq      int64 `gorm:"primaryKey;autoIncrement:false"`
	Time     time.Time
	Actor    string
	Action   string
	Target   string
	Details  string // exact bytes: the hash covers them
	PrevHash string
	Hash     string
}

func (auditRow) TableName() string { return "audit_events" }

func (r auditRow) toEvent() store.AuditEvent {
	e := store.AuditEvent{
		Seq: r.Seq, Time: utc(r.Time), Actor: r.Actor, Action: r.Action, Target: r.Target,
		PrevHash: r.PrevHash, Hash: r.Hash,
	}
	if r.Details != "" {
		e.Details = []byte(r.Details)
	}
	return e
}

// auditHeadRow is the single row holding the chain head. Every appender
// locks it, which serialises appends across connections and replicas.
type auditHeadRow struct {
	ID   int `gorm:"primaryKey"`
	Seq  int64
	Hash string
}

func (auditHeadRow) TableName() string { return "audit_head" }

// errBrokenLink is returned (with store.ErrConflict) when build returns an
// event that does not follow the head.
var errBrokenLink = errors.New("event does not follow the chain head")

// errTimePrecision is returned when an event's time does not survive
// storage unchanged, which would break its hash.
var errTimePrecision = errors.New("event time must be truncated to microseconds")

// AppendAudit locks the chain head, asks build for the next event and
// stores it. The event must carry Seq head.Seq+1, PrevHash head.Hash and a
// non-empty Hash; its Time must be whole microseconds (it is stored in UTC),
// since the hash covers it.
func (t *txn) AppendAudit(ctx context.Context, build func(head store.AuditHead) (store.AuditEvent, error)) (store.AuditEvent, error) {
	evs, err := t.AppendAuditEvents(ctx, func(head store.AuditHead) ([]store.AuditEvent, error) {
		e, err := build(head)
		return []store.AuditEvent{e}, err
	})
	if err != nil {
		return store.AuditEvent{}, err
	}
	return evs[0], nil
}

// AppendAuditEvents locks the chain head once, asks build for the events
// that follow it, checks they form a chain from the head, and stores them
// with one insert.
func (t *txn) AppendAuditEvents(ctx context.Context, build func(head store.AuditHead) ([]store.AuditEvent, error)) ([]store.AuditEvent, error) {
	var (
		out      []store.AuditEvent
		buildErr error
	)
	err := t.atomic(ctx, func(t *txn) error {
		var head auditHeadRow
		err := t.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = 1").Take(&head).Error
		if err != nil {
			return err
		}
		t.hold.locked()
		var evs []store.AuditEvent
		if evs, buildErr = build(store.AuditHead{Seq: head.Seq, Hash: head.Hash}); buildErr != nil {
			return buildErr
		}
		if len(evs) == 0 {
			return nil
		}
		rows := make([]auditRow, len(evs))
		prev := store.AuditHead{Seq: head.Seq, Hash: head.Hash}
		for i, e := range evs {
			switch {
			case e.Seq != prev.Seq+1 || e.PrevHash != prev.Hash:
				return fmt.Errorf("%w: %w: seq %d after %d", store.ErrConflict, errBrokenLink, e.Seq, prev.Seq)
			case e.Hash == "":
				return errors.New("event has no hash")
			case e.Time.IsZero():
				return errors.New("event has no time")
			case !utc(e.Time).Equal(e.Time):
				return errTimePrecision
			}
			rows[i] = auditRow{
				Seq: e.Seq, Time: utc(e.Time), Actor: e.Actor, Action: e.Action, Target: e.Target,
				Details: string(e.Details), PrevHash: e.PrevHash, Hash: e.Hash,
			}
			prev = store.AuditHead{Seq: e.Seq, Hash: e.Hash}
		}
		moved, err := t.appendRows(ctx, rows, head.Seq, prev)
		if err != nil {
			return err
		}
		if moved != 1 {
			return fmt.Errorf("%w: audit head moved", store.ErrConflict)
		}
		out = make([]store.AuditEvent, len(rows))
		for i, r := range rows {
			out[i] = r.toEvent()
		}
		return nil
	})
	if buildErr != nil {
		return nil, buildErr
	}
	if err != nil {
		return nil, wrap("append audit", err)
	}
	return out, nil
}

// maxCombinedAudit bounds the events appendRows writes with the head in
// one statement (each count is its own statement text).
const maxCombinedAudit = 16

// appendRows inserts rows and moves the head from seq to next, and
// returns how many head rows moved (1, or 0 if the head is not at seq).
// On PostgreSQL a few events and the head move are one statement (a
// data-modifying WITH, always run to completion): the head is locked from
// the SELECT … FOR UPDATE to COMMIT, and every round trip in between
// lengthens the time all other audited writes wait.
func (t *txn) appendRows(ctx context.Context, rows []auditRow, seq int64, next store.AuditHead) (int64, error) {
	if t.postgres() && len(rows) <= maxCombinedAudit {
		var sb strings.Builder
		args := make([]any, 0, 8*len(rows)+3)
		sb.WriteString(`WITH ins AS (INSERT INTO audit_events (seq, "time", actor, action, target, details, prev_hash, hash) VALUES `)
		for i, r := range rows {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, r.Seq, r.Time, r.Actor, r.Action, r.Target, r.Details, r.PrevHash, r.Hash)
		}
		sb.WriteString(") UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1 AND seq = ?")
		args = append(args, next.Seq, next.Hash, seq)
		res := t.conn(ctx).Exec(sb.String(), args...)
		return res.RowsAffected, res.Error
	}
	if err := t.conn(ctx).CreateInBatches(&rows, 200).Error; err != nil {
		return 0, err
	}
	res := t.conn(ctx).Model(&auditHeadRow{}).Where("id = 1 AND seq = ?", seq).
		Updates(map[string]any{"seq": next.Seq, "hash": next.Hash})
	return res.RowsAffected, res.Error
}

// GetAuditHead reads the chain head without locking it.
func (t *txn) GetAuditHead(ctx context.Context) (store.AuditHead, error) {
	var head auditHeadRow
	if err := t.conn(ctx).Where("id = 1").Take(&head).Error; err != nil {
		return store.AuditHead{}, wrap("get audit head", err)
	}
	return store.AuditHead{Seq: head.Seq, Hash: head.Hash}, nil
}

// ListAudit returns at most limit events with Seq > afterSeq, in order. A
// limit of 0 or less means 100.
func (t *txn) ListAudit(ctx context.Context, afterSeq int64, limit int) ([]store.AuditEvent, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	var rows []auditRow
	if err := t.conn(ctx).Where("seq > ?", afterSeq).Order("seq").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap("list audit", err)
	}
	out := make([]store.AuditEvent, len(rows))
	for i, r := range rows {
		out[i] = r.toEvent()
	}
	return out, nil
}
