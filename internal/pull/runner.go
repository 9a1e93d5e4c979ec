package pull

import (
	"context"
	"errors"
	"fmt"
	"github.com/syncd-dev/syncd/internal/audit"
	"log/slog"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/source"
	"github.com/syncd-dev/syncd/internal/store"
)

// Modes of a run, as recorded in store.SyncRun.Mode.
const (
	ModeFull        = "full"
	ModeIncremental = "incremental"
)

// ErrBusy: another process holds the source's lease.
var ErrBusy = errors.New("pull: source is being pulled by another process")

// ErrNotDue means Options.Plan found, under the lease, that the run is no
// longer due (another replica ran it meanwhile).
var ErrNotDue = errors.New("pull: source is not due any more")

// Runner runs one source at a time into the store.
type Runner struct {
	Store    store.Store
	Identity *identity.Service
	// NHI is the one writer of NHIs: pulled service accounts are created,
	// changed and retired through it, their findings re-evaluated in the
	// same transaction. nil: a service with the default rules.
	NHI    *nhi.Service
	Now    func() time.Time
	Logger *slog.Logger
	// Holder names this process in leases (host and pid, say).
	Holder string
	// BatchSize is the number of person records per identity batch; 500
	// when 0.
	BatchSize int
	// LeaseTTL is how long a lease lasts without renewal; 2m when 0.
	LeaseTTL time.Duration
	// AfterRun, when set, is called with each run that succeeded (not a
	// partial one), after
	// it is recorded: recertification verifies take-backs against what
	// the pull saw. Its error is logged, never the run's.
	AfterRun func(ctx context.Context, run store.SyncRun) error
	// MaxDeletionShare is, per source name, the share of its people a
	// full run may terminate (0.25 for a quarter); a run that would
	// terminate more holds them all, reports itself partial, and waits
	// for Options.ConfirmDeletions. DefaultMaxDeletionShare when absent.
	MaxDeletionShare map[string]float64
}

// Options are per run.
type Options struct {
	Full bool
	// Plan, when set, decides under the source's lease whether the run is
	// still due and whether it is full: another replica may have run it
	// between a scheduler's first look and taking the lease.
	Plan func(ctx context.Context) (due, full bool, err error)
	// Progress, when set, is called after every batch.
	Progress func(Progress)
	// ConfirmDeletions lets a full run terminate more than the source's
	// MaxDeletionShare (an operator checked the source is right). Every
	// absence is still confirmed with the source one by one.
	ConfirmDeletions bool
}

// Progress is how far a run has come.
type Progress struct {
	Source  string
	Mode    string
	Counts  store.RunCounts
	Elapsed time.Duration
}

func (r *Runner) now() time.Time {
	if r.Now == nil {
		return time.Now().UTC()
	}
	return r.Now().UTC()
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Logger
}

// LeaseName is the lease a source's runs hold.
func LeaseName(sourceName string) string { return "pull:" + sourceName }

// Run pulls src once and records the run. The returned run is the record
// as stored; err is set when the run failed (the record says why too).
func (r *Runner) Run(ctx context.Context, src source.Source, o Options) (store.SyncRun, error) {
	name := src.Name()
	ttl := r.LeaseTTL
	if ttl == 0 {
		ttl = 2 * time.Minute
	}
	lease := LeaseName(name)
	ok, err := r.Store.AcquireLease(ctx, lease, r.Holder, r.now(), ttl)
	if err != nil {
		return store.SyncRun{}, fmt.Errorf("pull: %s: lease: %w", name, err)
	}
	if !ok {
		return store.SyncRun{}, fmt.Errorf("%w (%s)", ErrBusy, name)
	}
	defer func() {
		if err := r.Store.ReleaseLease(context.WithoutCancel(ctx), lease, r.Holder); err != nil {
			r.logger().Warn("release lease", "source", name, "err", err)
		}
	}()
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go r.renew(runCtx, cancel, lease, ttl)
	r.failInterrupted(ctx, name)
	if o.Plan != nil {
		due, full, err := o.Plan(ctx)
		if err != nil {
			return store.SyncRun{}, fmt.Errorf("pull: %s: plan: %w", name, err)
		}
		if !due {
			return store.SyncRun{}, fmt.Errorf("%w (%s)", ErrNotDue, name)
		}
		o.Full = full
	}

	state, err := r.Store.GetSourceState(ctx, name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.SyncRun{}, fmt.Errorf("pull: %s: read state: %w", name, err)
	}
	full := o.Full || state.Watermark == ""
	mode := ModeIncremental
	if full {
		mode = ModeFull
	}
	run, err := r.Store.CreateSyncRun(ctx, store.SyncRun{Source: name, Mode: mode, Status: store.RunRunning, StartedAt: r.now()})
	if err != nil {
		return store.SyncRun{}, fmt.Errorf("pull: %s: record run: %w", name, err)
	}
	p := &pass{r: r, src: name, mode: mode, lazy: !full, started: time.Now(), progress: o.Progress, confirmDeletions: o.ConfirmDeletions,
		seen: map[string]bool{}, dnToPerson: map[string]string{}, idToPerson: map[string]string{}}
	res, runErr := p.execute(runCtx, src, source.Request{Full: full, Watermark: state.Watermark})
	if cause := context.Cause(runCtx); cause != nil && ctx.Err() == nil {
		runErr = cause // the lease was lost: say so, not "context canceled"
	}
	if runErr == nil {
		next := store.SourceState{Source: name, Watermark: res.Watermark, LastFullAt: state.LastFullAt}
		// A full run that skipped deletion detection has not reconciled:
		// the next scheduled run is full again.
		if res.Full && len(p.partial) == 0 {
			at := r.now()
			next.LastFullAt = &at
		}
		if _, err := r.Store.PutSourceState(ctx, next); err != nil {
			runErr = fmt.Errorf("pull: %s: save state: %w", name, err)
		}
	}
	final, err := r.finish(context.WithoutCancel(ctx), run.ID, p, res, runErr)
	if err != nil {
		return final, err
	}
	// A partial run may have missed what it did not read: it verifies
	// nothing.
	if runErr == nil && r.AfterRun != nil && final.Status != store.RunPartial {
		if err := r.AfterRun(context.WithoutCancel(ctx), final); err != nil {
			r.logger().Warn("after run", "source", name, "run", final.ID, "err", err)
		}
	}
	return final, runErr
}

// emptyHint is what to check when a source answered nobody, in the
// source's own terms.
func (r *Runner) emptyHint(src source.Source) string {
	if h, ok := src.(interface{ EmptyHint() string }); ok {
		return h.EmptyHint()
	}
	return "check the source's configuration"
}

// ActionRunPartial is audited for a run that skipped part of its work
// (deletion detection, mostly), with the reasons.
const ActionRunPartial = audit.ActionSyncRunPartial

// finish writes the run's outcome; a partial run is audited in the same
// transaction, so the alert cannot be lost.
func (r *Runner) finish(ctx context.Context, id int64, p *pass, res source.Result, runErr error) (store.SyncRun, error) {
	if runErr == nil && len(p.partial) > 0 {
		var out store.SyncRun
		err := r.Store.InTx(ctx, func(tx store.Tx) error {
			var err error
			out, err = tx.UpdateSyncRun(ctx, id, func(run store.SyncRun) (store.SyncRun, error) {
				return r.outcome(run, p, res, nil), nil
			})
			if err != nil {
				return err
			}
			return p.audit(ctx, tx, ActionRunPartial, fmt.Sprintf("sync_run:%d", id), map[string]any{
				"source": p.src, "mode": out.Mode, "reasons": p.partial, "heldTerminations": p.held, "counts": out.Counts})
		})
		if err == nil {
			r.logger().Warn("pull run partial", "source", p.src, "run", id, "reason", out.Error)
		}
		return out, err
	}
	return r.Store.UpdateSyncRun(ctx, id, func(run store.SyncRun) (store.SyncRun, error) {
		return r.outcome(run, p, res, runErr), nil
	})
}

// outcome is run as it ends: failed with the error, partial with its
// reasons in Error, or succeeded.
func (r *Runner) outcome(run store.SyncRun, p *pass, res source.Result, runErr error) store.SyncRun {
	done := r.now()
	run.FinishedAt = &done
	run.Counts = p.counts
	run.Rejections = p.rejections
	if res.Full {
		run.Mode = ModeFull
	}
	switch {
	case runErr != nil:
		run.Status = store.RunFailed
		run.Error = runErr.Error()
	case len(p.partial) > 0:
		run.Status = store.RunPartial
		run.Error = strings.Join(p.partial, "; ")
		run.Watermark = res.Watermark
	default:
		run.Status = store.RunSucceeded
		run.Watermark = res.Watermark
	}
	return run
}

// renew keeps the lease while the run lasts; losing it cancels the run.
func (r *Runner) renew(ctx context.Context, cancel context.CancelCauseFunc, lease string, ttl time.Duration) {
	t := time.NewTicker(ttl / 4)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			ok, err := r.Store.AcquireLease(ctx, lease, r.Holder, r.now(), ttl)
			if err == nil && !ok {
				cancel(fmt.Errorf("pull: lease %s lost to another process", lease))
				return
			}
			if err != nil {
				r.logger().Warn("renew lease", "lease", lease, "err", err)
			}
		}
	}
}

// failInterrupted marks runs left "running" by a process that stopped:
// holding the lease, nobody else can be running them.
func (r *Runner) failInterrupted(ctx context.Context, name string) {
	runs, err := r.Store.ListSyncRuns(ctx, name, 20)
	if err != nil {
		return
	}
	for _, run := range runs {
		if run.Status != store.RunRunning {
			continue
		}
		_, _ = r.Store.UpdateSyncRun(ctx, run.ID, func(old store.SyncRun) (store.SyncRun, error) {
			done := r.now()
			old.Status, old.FinishedAt, old.Error = store.RunFailed, &done, "interrupted: the process running it stopped"
			return old, nil
		})
	}
}

// digestOf is what a record asserts, hashed: equal digests mean the
// source says exactly what it said last time. The same as the store
// keeps with each link.
func digestOf(raw []byte) string { return store.RawDigest(raw) }

func lower(s string) string { return strings.ToLower(s) }

// nhis is the NHI service service accounts are written through.
func (r *Runner) nhis() *nhi.Service {
	if r.NHI != nil {
		return r.NHI
	}
	return &nhi.Service{Store: r.Store, Now: r.now, Logger: r.Logger}
}
