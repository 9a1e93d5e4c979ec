package nhi

import (
	"context"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// Writes are NHI writes made inside a transaction another package owns
// (a SCIM push, a pull, a fulfillment): the service stays the one writer
// of NHIs, so each write is audited and the NHIs it touched have their
// findings re-evaluated before that transaction commits. Get one from
// Service.Write; its methods are not safe for concurrent use.
type Writes struct {
	s       *Service
	tx      store.Tx
	now     time.Time
	entries []audit.Entry
	touched []string
}

// Write runs fn with the NHI writes of tx, then appends their audit events
// in one append and re-evaluates every NHI they touched, inside tx.
func (s *Service) Write(ctx context.Context, tx store.Tx, fn func(w *Writes) error) error {
	w := &Writes{s: s, tx: tx, now: s.now()}
	if err := fn(w); err != nil {
		return err
	}
	return w.flush(ctx)
}

// Now is the time the writes are recorded at.
func (w *Writes) Now() time.Time { return w.now }

// Create stores n and records nhi.created with details.
func (w *Writes) Create(ctx context.Context, actor string, n store.NHI, details any) (store.NHI, error) {
	n, err := w.tx.CreateNHI(ctx, n)
	if err != nil {
		return store.NHI{}, err
	}
	w.record(actor, audit.ActionNHICreated, n.ID, details)
	return n, nil
}

// Update changes the NHI id by fn, run on the row under lock, and records
// nhi.updated with what details returns for the row before and after.
func (w *Writes) Update(ctx context.Context, actor, id string, fn func(store.NHI) (store.NHI, error), details func(before, after store.NHI) any) (store.NHI, error) {
	var before store.NHI
	n, err := w.tx.UpdateNHI(ctx, id, func(cur store.NHI) (store.NHI, error) {
		before = cur
		return fn(cur)
	})
	if err != nil {
		return store.NHI{}, err
	}
	w.record(actor, audit.ActionNHIUpdated, id, details(before, n))
	return n, nil
}

// CreateProject stores p and records project.created with its name,
// owner and dates.
func (w *Writes) CreateProject(ctx context.Context, actor string, p store.Project) (store.Project, error) {
	p, err := w.tx.CreateProject(ctx, p)
	if err != nil {
		return store.Project{}, err
	}
	w.entries = append(w.entries, audit.Entry{Actor: actor, Action: audit.ActionProjectCreated, Target: "project:" + p.ID,
		Details: map[string]any{"name": p.Name, "owner": p.OwnerID, "start": p.StartDate, "end": p.EndDate}})
	return p, nil
}

// Revive brings back a retired NHI that its source created again, changed
// by fn on the locked row (history and findings kept), and records
// nhi.created with details.
func (w *Writes) Revive(ctx context.Context, actor, id string, fn func(store.NHI) (store.NHI, error), details any) (store.NHI, error) {
	n, err := w.tx.UpdateNHI(ctx, id, fn)
	if err != nil {
		return store.NHI{}, err
	}
	w.record(actor, audit.ActionNHICreated, id, details)
	return n, nil
}

// Retire marks the NHI id retired (its history and findings stay; the
// re-evaluation resolves them) and records nhi.retired with details.
// check, run on the locked row first, may refuse (nil allows).
func (w *Writes) Retire(ctx context.Context, actor, id string, check func(store.NHI) error, details any) (store.NHI, error) {
	n, err := w.tx.UpdateNHI(ctx, id, func(cur store.NHI) (store.NHI, error) {
		if check != nil {
			if err := check(cur); err != nil {
				return store.NHI{}, err
			}
		}
		cur.Status, cur.UpdatedAt = store.NHIRetired, w.now
		return cur, nil
	})
	if err != nil {
		return store.NHI{}, err
	}
	w.record(actor, audit.ActionNHIRetired, id, details)
	return n, nil
}

func (w *Writes) record(actor, action, id string, details any) {
	w.entries = append(w.entries, audit.Entry{Actor: actor, Action: action, Target: "nhi:" + id, Details: details})
	w.touched = append(w.touched, id)
}

func (w *Writes) flush(ctx context.Context) error {
	if len(w.entries) == 0 {
		return nil
	}
	if _, err := audit.AppendAll(ctx, w.tx, w.now, w.entries...); err != nil {
		return fmt.Errorf("nhi: audit writes: %w", err)
	}
	if _, err := w.s.reevaluate(ctx, w.tx, w.touched, w.now); err != nil {
		return fmt.Errorf("nhi: re-evaluate written NHIs: %w", err)
	}
	w.entries, w.touched = nil, nil
	return nil
}
