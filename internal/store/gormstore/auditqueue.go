package gormstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/syncd-dev/syncd/internal/store"
)

// pendingRow is an audit event written but not yet chained.
type pendingRow struct {
	ID      int64 `gorm:"primaryKey"`
	Time    time.Time
	Actor   string
	Action  string
	Target  string
	Details string
}

func (pendingRow) TableName() string { return "audit_pending" }

// QueueAuditEvents chains evs on SQLite in the transaction (its writers
// are serialised anyway, and the head is the writer's): at once, or, for
// a function of a grouped transaction, with the group's other events at
// its end (returned unchained then). On PostgreSQL it
// inserts them into audit_pending without touching the head, and the
// transaction chains them when it has committed (see sealer): a writer no
// longer holds the head through its COMMIT, which serialised every
// audited write on the commit's latency (docs/adr/0020).
func (t *txn) QueueAuditEvents(ctx context.Context, evs []store.AuditEvent) ([]store.AuditEvent, error) {
	if len(evs) == 0 {
		return nil, nil
	}
	for _, e := range evs {
		switch {
		case e.Time.IsZero():
			return nil, errors.New("gormstore: queue audit events: event has no time")
		case !utc(e.Time).Equal(e.Time):
			return nil, fmt.Errorf("gormstore: queue audit events: %w", errTimePrecision)
		}
	}
	if !t.postgres() {
		if t.audit != nil {
			// A function of a grouped transaction: chained with the
			// group's other events before its COMMIT (groupCommit).
			out := make([]store.AuditEvent, len(evs))
			for i, e := range evs {
				out[i] = store.AuditEvent{Time: utc(e.Time), Actor: e.Actor, Action: e.Action, Target: e.Target, Details: e.Details}
			}
			*t.audit = append(*t.audit, out...)
			return out, nil
		}
		return t.AppendAuditEvents(ctx, func(head store.AuditHead) ([]store.AuditEvent, error) {
			return chain(head, evs), nil
		})
	}
	err := t.atomic(ctx, func(t *txn) error {
		// Uncontended, chain them here: if nobody holds the head, lock it
		// and chain what is pending (committed before, and this
		// transaction's own) in this transaction, one commit for both. A
		// writer that finds the head taken does not wait for it: its
		// events are chained by a round after its commit. The last insert
		// and the try for the head are one statement (one round trip
		// fewer for every audited write); the SELECT does not see the
		// rows its WITH inserts, which only sealLocked's next statement
		// reads.
		rest := evs
		for len(rest) > maxCombinedAudit {
			q, args := insertPending(rest[:maxCombinedAudit])
			if err := t.conn(ctx).Exec(q, args...).Error; err != nil {
				return err
			}
			rest = rest[maxCombinedAudit:]
		}
		q, args := insertPending(rest)
		var heads []auditHeadRow
		if err := t.conn(ctx).Raw("WITH ins AS ("+q+") SELECT id, seq, hash FROM audit_head WHERE id = 1 FOR UPDATE SKIP LOCKED", args...).Scan(&heads).Error; err != nil {
			return err
		}
		if len(heads) == 0 {
			t.hold.queue()
			return nil
		}
		t.hold.locked()
		for head := heads[0]; ; {
			n, next, err := sealLocked(t.conn(ctx), head)
			if err != nil || n < sealBatch {
				return err
			}
			head = next
		}
	})
	if err != nil {
		return nil, wrap("queue audit events", err)
	}
	out := make([]store.AuditEvent, len(evs))
	for i, e := range evs {
		out[i] = store.AuditEvent{Time: utc(e.Time), Actor: e.Actor, Action: e.Action, Target: e.Target, Details: e.Details}
	}
	return out, nil
}

// insertPending is one multi-row INSERT of evs into audit_pending.
func insertPending(evs []store.AuditEvent) (string, []any) {
	var sb strings.Builder
	args := make([]any, 0, 5*len(evs))
	sb.WriteString(`INSERT INTO audit_pending ("time", actor, action, target, details) VALUES `)
	for i, e := range evs {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(?, ?, ?, ?, ?)")
		args = append(args, utc(e.Time), e.Actor, e.Action, e.Target, string(e.Details))
	}
	return sb.String(), args
}

// chain links evs after head, in order.
func chain(head store.AuditHead, evs []store.AuditEvent) []store.AuditEvent {
	out := make([]store.AuditEvent, len(evs))
	prev := head
	for i, e := range evs {
		ev := store.AuditEvent{Seq: prev.Seq + 1, Time: utc(e.Time), Actor: e.Actor, Action: e.Action, Target: e.Target,
			Details: e.Details, PrevHash: prev.Hash}
		ev.Hash = store.HashAuditEvent(ev)
		out[i] = ev
		prev = store.AuditHead{Seq: ev.Seq, Hash: ev.Hash}
	}
	return out
}

// sealer chains the events waiting in audit_pending (PostgreSQL). A
// transaction that queued events waits, after its commit, for the next
// round: one transaction that locks the head, reads every pending event
// in id order, chains them, moves them into audit_events and moves the
// head, in one statement. Writers that committed meanwhile join the round
// after, so under load one round (one head lock, one commit) chains the
// events of many writers: the group commit of the chain. Rounds of
// several processes serialise on the head row; an event committed before
// a round starts is chained by it or by an earlier one, so when a waiter
// returns its events are chained.
type sealer struct {
	db     *gorm.DB // the pool
	holds  *holdStats
	logger *slog.Logger

	mu      sync.Mutex
	running bool
	waiting []chan struct{}
}

// sealBatch bounds the events one statement chains.
const sealBatch = 1000

// sealTimeout bounds a round, which no caller's context cancels.
const sealTimeout = 30 * time.Second

// after waits until a round that started after the call has ended. A
// round that fails leaves the events pending (committed, not lost) for
// the next one and is logged; the caller's own transaction has committed,
// so it is not failed for it. A caller whose context ends stops waiting.
func (s *sealer) after(ctx context.Context) {
	done := make(chan struct{})
	s.mu.Lock()
	s.waiting = append(s.waiting, done)
	if !s.running {
		s.running = true
		go s.rounds()
	}
	s.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

func (s *sealer) rounds() {
	for {
		s.mu.Lock()
		batch := s.waiting
		s.waiting = nil
		if len(batch) == 0 {
			s.running = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), sealTimeout)
		if _, err := s.sealAll(ctx); err != nil {
			s.logger.Error("gormstore: chaining queued audit events failed; they stay queued for the next write", "error", err)
		}
		cancel()
		for _, done := range batch {
			close(done)
		}
	}
}

// sealAll chains every pending event, a batch per transaction, and
// returns how many.
func (s *sealer) sealAll(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := s.sealOnce(ctx)
		total += n
		if err != nil || n < sealBatch {
			return total, err
		}
	}
}

// errNothingPending rolls back a round that found nothing to chain (no
// commit, so no WAL flush).
var errNothingPending = errors.New("no pending audit events")

type sealLink struct {
	PID      int64  `json:"pid"`
	Seq      int64  `json:"seq"`
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

func (s *sealer) sealOnce(ctx context.Context) (int, error) {
	hold := &auditHold{}
	defer s.holds.observe(hold)
	n := 0
	err := s.db.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		var head auditHeadRow
		if err := g.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = 1").Take(&head).Error; err != nil {
			return err
		}
		hold.locked()
		var err error
		if n, _, err = sealLocked(g, head); err != nil {
			return err
		}
		if n == 0 {
			return errNothingPending
		}
		return nil
	})
	if errors.Is(err, errNothingPending) {
		return 0, nil
	}
	if err != nil {
		return 0, wrap("chain queued audit events", err)
	}
	return n, nil
}

// sealLocked chains up to sealBatch pending events after head, which g's
// transaction holds locked, and returns how many and the new head.
func sealLocked(g *gorm.DB, head auditHeadRow) (int, auditHeadRow, error) {
	var rows []pendingRow
	if err := g.Order("id").Limit(sealBatch).Find(&rows).Error; err != nil {
		return 0, head, err
	}
	if len(rows) == 0 {
		return 0, head, nil
	}
	evs := make([]store.AuditEvent, len(rows))
	for i, r := range rows {
		evs[i] = store.AuditEvent{Time: r.Time, Actor: r.Actor, Action: r.Action, Target: r.Target, Details: []byte(r.Details)}
	}
	chained := chain(store.AuditHead{Seq: head.Seq, Hash: head.Hash}, evs)
	links := make([]sealLink, len(rows))
	for i, e := range chained {
		links[i] = sealLink{PID: rows[i].ID, Seq: e.Seq, PrevHash: e.PrevHash, Hash: e.Hash}
	}
	list, err := json.Marshal(links)
	if err != nil {
		return 0, head, err
	}
	last := chained[len(chained)-1]
	// The events are copied from the pending rows as read (the hash covers
	// exactly those values), deleted from them, and the head moved, in one
	// statement.
	res := g.Exec(`WITH v AS (SELECT * FROM jsonb_to_recordset(?::jsonb) AS x(pid bigint, seq bigint, prev_hash text, hash text)),`+
		` ins AS (INSERT INTO audit_events (seq, "time", actor, action, target, details, prev_hash, hash)`+
		` SELECT v.seq, p."time", p.actor, p.action, p.target, p.details, v.prev_hash, v.hash FROM v JOIN audit_pending p ON p.id = v.pid),`+
		` del AS (DELETE FROM audit_pending p USING v WHERE p.id = v.pid)`+
		` UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1 AND seq = ?`, string(list), last.Seq, last.Hash, head.Seq)
	if res.Error != nil {
		return 0, head, res.Error
	}
	if res.RowsAffected != 1 {
		return 0, head, fmt.Errorf("%w: audit head moved", store.ErrConflict)
	}
	return len(rows), auditHeadRow{ID: head.ID, Seq: last.Seq, Hash: last.Hash}, nil
}

// SealAudit chains every audit event still queued (PostgreSQL; on SQLite
// there are none): what a crash between a commit and its round left
// behind, before `syncd audit verify` reads the chain. It returns how many
// it chained.
func (s *Store) SealAudit(ctx context.Context) (int, error) {
	if s.seal == nil {
		return 0, nil
	}
	return s.seal.sealAll(ctx)
}
