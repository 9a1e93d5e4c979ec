package gormstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// groupCommit runs SQLite write transactions that arrive while another is
// being written as one database transaction, each in a savepoint of its
// own: a function that fails is rolled back to its savepoint and the
// others are not affected, and every caller learns its own result only
// after the shared COMMIT has returned (with synchronous=FULL, after the
// WAL is synced). SQLite has one writer, so the transactions ran one after
// the other anyway; grouping them shares the BEGIN, the COMMIT and its
// sync, which were a third of a SCIM create's time in the writer slot.
// The functions run one after the other in arrival order, each seeing the
// writes of those before it, exactly as if committed one by one.
//
// A group whose transaction fails as a whole (BEGIN, a savepoint or the
// COMMIT) committed nothing; each of its functions then runs again in a
// transaction of its own, as InTx may do anyway (fn keeps its effects
// inside tx).
type groupCommit struct {
	s *Store

	mu      sync.Mutex
	queue   []*groupReq
	leading bool

	// groups counts transactions that carried more than one function,
	// grouped the functions they carried (tests, benchmarks).
	groups, grouped atomic.Int64
}

type groupReq struct {
	ctx    context.Context
	fn     func(tx store.Tx) error
	done   chan error
	picked bool // under groupCommit.mu: a leader has taken it
}

// maxGroup bounds the functions in one transaction, and so the wait of
// the last of them.
const maxGroup = 64

// savepoint names the savepoint each grouped function runs in.
const savepoint = "syncd_group"

// panicked carries a panic out of the leader to the caller's goroutine,
// where it is raised again (as it was before grouping: net/http confines
// a handler's panic to its request).
type panicked struct{ v any }

func (p panicked) Error() string {
	return fmt.Sprintf("gormstore: transaction function panicked: %v", p.v)
}

// run runs fn in a transaction, grouped with others that wait meanwhile.
// Waiting to be picked up is bounded like the wait for the writer slot.
func (g *groupCommit) run(ctx context.Context, fn func(tx store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return wrap("transaction", fmt.Errorf("wait for the SQLite writer: %w", err))
	}
	r := &groupReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, r)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	if lead {
		go g.lead()
	}
	timer := time.NewTimer(g.s.writerWait)
	defer timer.Stop()
	var err error
	select {
	case err = <-r.done:
	case <-ctx.Done():
		if g.unqueue(r) {
			return wrap("transaction", fmt.Errorf("wait for the SQLite writer: %w", ctx.Err()))
		}
		err = <-r.done
	case <-timer.C:
		if g.unqueue(r) {
			return wrap("transaction", fmt.Errorf("wait for the SQLite writer: busy for %s: %w", g.s.writerWait, store.ErrUnavailable))
		}
		err = <-r.done
	}
	var p panicked
	if errors.As(err, &p) {
		panic(p.v)
	}
	return err
}

// unqueue takes r out of the queue unless a leader has picked it; then
// its result will come.
func (g *groupCommit) unqueue(r *groupReq) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if r.picked {
		return false
	}
	for i, q := range g.queue {
		if q == r {
			g.queue = append(g.queue[:i:i], g.queue[i+1:]...)
			break
		}
	}
	return true
}

// lead writes groups until the queue is empty.
func (g *groupCommit) lead() {
	for {
		g.mu.Lock()
		n := min(len(g.queue), maxGroup)
		if n == 0 {
			g.leading = false
			g.mu.Unlock()
			return
		}
		group := make([]*groupReq, n)
		copy(group, g.queue)
		g.queue = append(g.queue[:0:0], g.queue[n:]...)
		for _, r := range group {
			r.picked = true
		}
		g.mu.Unlock()
		g.write(group)
	}
}

func (g *groupCommit) write(group []*groupReq) {
	if len(group) == 1 {
		r := group[0]
		r.done <- g.alone(r)
		return
	}
	release, err := g.s.lockWriter(context.Background())
	if err != nil {
		for _, r := range group {
			r.done <- wrap("transaction", err)
		}
		return
	}
	errs, err := g.together(group)
	release()
	if err != nil {
		g.s.logger.Warn("gormstore: grouped transaction failed; running its functions one by one", "functions", len(group), "err", err)
		for _, r := range group {
			r.done <- g.alone(r)
		}
		return
	}
	g.groups.Add(1)
	g.grouped.Add(int64(len(group)))
	for i, r := range group {
		r.done <- errs[i]
	}
}

// alone runs r in a transaction of its own, as InTx did before grouping.
func (g *groupCommit) alone(r *groupReq) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panicked{v}
		}
	}()
	return g.s.inTxOnce(r.ctx, r.fn)
}

// together runs the group in one transaction, each function in a
// savepoint, holding the writer slot. It returns each function's error, or
// an error for the transaction as a whole (then nothing was committed).
func (g *groupCommit) together(group []*groupReq) ([]error, error) {
	s := g.s
	db := s.db.WithContext(context.Background()).Begin()
	if db.Error != nil {
		return nil, db.Error
	}
	committed := false
	defer func() {
		if !committed {
			db.Rollback()
		}
	}()
	// Savepoints go to the transaction's connection directly: like BEGIN
	// and COMMIT they are not statements of the work (Statements).
	conn, ok := db.Statement.ConnPool.(*stmtTx)
	if !ok {
		return nil, fmt.Errorf("grouped transaction: unexpected connection %T", db.Statement.ConnPool)
	}
	errs := make([]error, len(group))
	holds := make([]auditHold, len(group))
	defer func() {
		for i := range holds {
			s.holds.observe(&holds[i])
		}
	}()
	// The functions' audit events wait here and are chained once, after
	// the last function: one head read, one insert and one head move per
	// group instead of per function (the head is the writer's anyway).
	var queued []store.AuditEvent
	for i, r := range group {
		if err := r.ctx.Err(); err != nil {
			errs[i] = wrap("transaction", fmt.Errorf("wait for the SQLite writer: %w", err))
			continue
		}
		if _, err := conn.Tx.Exec("SAVEPOINT " + savepoint); err != nil {
			return nil, err
		}
		// detached: a caller's cancellation must not interrupt SQLite
		// inside the shared transaction (an interrupted write rolls back
		// the whole transaction, the others' work with it).
		t := &txn{db: db, inTx: true, detached: true, dialect: s.dialect, now: s.now, writer: s.writer, writerWait: s.writerWait,
			holds: s.holds, hold: &holds[i], audit: &queued}
		mark := len(queued)
		fnErr := call(r.fn, t)
		if fnErr != nil {
			queued = queued[:mark]
			if _, err := conn.Tx.Exec("ROLLBACK TO " + savepoint); err != nil {
				return nil, err
			}
		}
		if _, err := conn.Tx.Exec("RELEASE " + savepoint); err != nil {
			return nil, err
		}
		errs[i] = fnErr
	}
	if len(queued) > 0 {
		var hold auditHold
		t := &txn{db: db, inTx: true, detached: true, dialect: s.dialect, now: s.now, holds: s.holds, hold: &hold}
		_, err := t.AppendAuditEvents(context.Background(), func(head store.AuditHead) ([]store.AuditEvent, error) {
			return chain(head, queued), nil
		})
		defer s.holds.observe(&hold)
		if err != nil {
			return nil, err
		}
	}
	if err := db.Commit().Error; err != nil {
		return nil, err
	}
	committed = true
	return errs, nil
}

// call runs fn, turning a panic into an error that run raises again in
// the caller's goroutine.
func call(fn func(tx store.Tx) error, t *txn) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panicked{v}
		}
	}()
	return fn(t)
}

// GroupCommits reports how many transactions carried more than one
// InTx function, and how many functions they carried (SQLite only).
func (s *Store) GroupCommits() (transactions, functions int64) {
	if s.group == nil {
		return 0, 0
	}
	return s.group.groups.Load(), s.group.grouped.Load()
}
