package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// Handler runs one claim of a job. Returning nil completes the job (unless
// the handler completed it itself through run.Complete); an error retries
// it after a backoff. ctx ends when the lease is lost or the grace period
// of a shutdown is over.
type Handler func(ctx context.Context, run *Run) error

// Observer is told how each run ended; metrics implement it. result is
// "ok", "retry", "failed", "released" or "lease_lost".
type Observer interface {
	JobRan(kind, result string, took time.Duration)
}

// Defaults for the Runner's zero fields.
const (
	DefaultLeaseTTL    = 30 * time.Second
	DefaultPoll        = time.Second
	DefaultWorkers     = 4
	DefaultMaxAttempts = 5
	DefaultGrace       = 10 * time.Second
)

// Runner claims due jobs and runs their handlers. Register handlers
// (Handle, Periodic) before Run.
type Runner struct {
	// Store is the queue: the runner claims, renews, fails and completes
	// jobs, and needs nothing else of the store.
	Store store.JobWriter
	// Holder names this process in leases (host, pid, start time).
	Holder string
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// LeaseTTL is how long a claim lasts without renewal; renewed every
	// third of it.
	LeaseTTL time.Duration
	// Poll is how often an idle worker looks for due jobs.
	Poll time.Duration
	// Workers is how many jobs this process runs at once.
	Workers int
	// MaxAttempts is how many claims a job gets before it fails, unless
	// the job sets its own.
	MaxAttempts int
	// Backoff is the wait before retry number attempt (1, 2, ...);
	// exponential from 1s, capped at 10m, with jitter, when nil.
	Backoff func(attempt int) time.Duration
	// Grace is how long running handlers may finish once Run's context
	// ends, before they are cancelled and their leases released.
	Grace    time.Duration
	Observer Observer

	mu        sync.Mutex
	handlers  map[string]Handler
	periodics []periodic
	wake      chan struct{}
}

type periodic struct {
	kind  string
	every time.Duration
}

// Handle registers fn for jobs of kind. It panics when kind is taken:
// that is a wiring mistake.
func (r *Runner) Handle(kind string, fn Handler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.handlers == nil {
		r.handlers = map[string]Handler{}
	}
	if _, dup := r.handlers[kind]; dup || kind == "" {
		panic(fmt.Sprintf("jobs: handler for kind %q registered twice (or empty)", kind))
	}
	r.handlers[kind] = fn
}

// Periodic registers fn to run once per period of length every (periods
// start at multiples of every since the Unix epoch, in UTC) across all
// replicas: each replica enqueues the (kind, period) job when the period
// begins, and the unique (kind, key) makes that one row. A run that
// overruns its period may overlap the next period's run.
//
// Missed periods are not replayed: a period in which no replica was up
// is never enqueued, and the first replica to start enqueues the current
// period, due at once, so one run covers the whole missed span. Every
// periodic job of syncd works from the current state (sweeps, ticks, NHI
// evaluation, pulls from their watermark, pruning), so N runs would do
// the work of one. A period that was enqueued runs exactly once, however
// late its workers are.
func (r *Runner) Periodic(kind string, every time.Duration, fn Handler) {
	if every <= 0 {
		panic(fmt.Sprintf("jobs: periodic %q needs a positive period", kind))
	}
	r.Handle(kind, fn)
	r.mu.Lock()
	r.periodics = append(r.periodics, periodic{kind: kind, every: every})
	r.mu.Unlock()
}

// PeriodKey is the key of the period of length every that contains t.
func PeriodKey(t time.Time, every time.Duration) string {
	return t.UTC().Truncate(every).Format(time.RFC3339Nano)
}

// Kinds lists the registered kinds, sorted.
func (r *Runner) Kinds() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.handlers))
	for k := range r.handlers {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Job is a job to enqueue; see Enqueue.
type Job struct {
	Kind string
	// Key is the idempotency key: one job per (Kind, Key), ever (until
	// the finished job is pruned).
	Key     string
	Payload []byte
	// RunAt is when the job becomes due; now when zero.
	RunAt       time.Time
	MaxAttempts int
}

// Enqueue adds j through tx (a transaction, or the store itself) unless a
// job with its kind and key exists; it reports whether it added it. Called
// in the caller's transaction, the job commits with the caller's writes.
func Enqueue(ctx context.Context, tx store.JobWriter, j Job) (store.Job, bool, error) {
	if j.Kind == "" || j.Key == "" {
		return store.Job{}, false, errors.New("jobs: enqueue: kind and key are required")
	}
	got, created, err := tx.EnqueueJob(ctx, store.Job{Kind: j.Kind, Key: j.Key, Payload: j.Payload, RunAt: j.RunAt, MaxAttempts: j.MaxAttempts})
	if err != nil {
		return store.Job{}, false, fmt.Errorf("jobs: enqueue %s/%s: %w", j.Kind, j.Key, err)
	}
	return got, created, nil
}

// Wake makes idle workers of this process look for due jobs now (after a
// local Enqueue, say); replicas find the job at their next poll.
func (r *Runner) Wake() {
	r.init()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *Runner) init() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.wake == nil {
		r.wake = make(chan struct{}, 1)
	}
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// backoff is the wait before the next attempt after attempt failed.
func (r *Runner) backoff(attempt int) time.Duration {
	if r.Backoff != nil {
		return r.Backoff(attempt)
	}
	d := time.Second << min(attempt-1, 10)
	d = min(d, 10*time.Minute)
	// Full jitter on the upper half: replicas retrying one failure spread.
	return d/2 + rand.N(d/2+1)
}

// Run schedules periodic jobs and runs due jobs on Workers goroutines
// until ctx ends, then drains (see the package doc). Every goroutine it
// starts has returned when it returns.
func (r *Runner) Run(ctx context.Context) error {
	r.init()
	kinds := r.Kinds()
	if len(kinds) == 0 {
		<-ctx.Done()
		return nil
	}
	if r.Store == nil || r.Holder == "" {
		return errors.New("jobs: runner needs a store and a holder")
	}
	// Handlers run under jobCtx, which outlives ctx by the grace period.
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	var wg sync.WaitGroup
	wg.Go(func() { r.schedule(ctx) })
	for range or(r.Workers, DefaultWorkers) {
		wg.Go(func() { r.work(ctx, jobCtx, kinds) })
	}
	<-ctx.Done()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	grace := time.NewTimer(or(r.Grace, DefaultGrace))
	defer grace.Stop()
	select {
	case <-done:
		return nil
	case <-grace.C:
	}
	r.logger().Warn("jobs: grace period over, cancelling running jobs")
	cancelJobs()
	<-done
	return nil
}

// schedule enqueues each periodic job's current period when it begins.
func (r *Runner) schedule(ctx context.Context) {
	r.mu.Lock()
	ps := slices.Clone(r.periodics)
	r.mu.Unlock()
	if len(ps) == 0 {
		return
	}
	last := make([]string, len(ps))
	tick := or(r.Poll, DefaultPoll)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		now := r.now()
		enqueued := false
		for i, p := range ps {
			key := PeriodKey(now, p.every)
			if key == last[i] {
				continue
			}
			_, created, err := Enqueue(ctx, r.Store, Job{Kind: p.kind, Key: key, RunAt: now.UTC().Truncate(p.every)})
			if err != nil {
				if ctx.Err() == nil {
					r.logger().Warn("jobs: schedule", "kind", p.kind, "err", err)
				}
				continue // try again next tick
			}
			last[i] = key
			enqueued = enqueued || created
		}
		if enqueued {
			r.Wake()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// work claims and runs jobs until ctx ends.
func (r *Runner) work(ctx, jobCtx context.Context, kinds []string) {
	t := time.NewTicker(or(r.Poll, DefaultPoll))
	defer t.Stop()
	for ctx.Err() == nil {
		claimed, err := r.RunOne(ctx, jobCtx, kinds)
		if err != nil && ctx.Err() == nil {
			r.logger().Warn("jobs: claim", "err", err)
		}
		if claimed {
			continue
		}
		select {
		case <-ctx.Done():
		case <-t.C:
		case <-r.wake:
		}
	}
}

// RunOne claims one due job of kinds and runs it to its end; it reports
// whether it claimed one. Claiming stops with ctx; the handler runs under
// jobCtx. Exported for tests and benchmarks that drive the runner step by
// step.
func (r *Runner) RunOne(ctx, jobCtx context.Context, kinds []string) (bool, error) {
	ttl := or(r.LeaseTTL, DefaultLeaseTTL)
	if ctx.Err() != nil {
		return false, nil
	}
	// The claim is not cancelled by a shutdown: a claim whose UPDATE
	// committed while the client gave up would leave the job held (until
	// its lease lapsed) by a worker that never runs it.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ttl)
	defer cancel()
	j, err := r.Store.ClaimJob(cctx, kinds, r.Holder, r.now(), ttl)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("jobs: %w", err)
	}
	r.execute(jobCtx, ctx.Done(), j, ttl)
	return true, nil
}

var errLeaseLost = errors.New("jobs: lease lost")

func (r *Runner) execute(ctx context.Context, stopping <-chan struct{}, j store.Job, ttl time.Duration) {
	log := r.logger().With("job_id", j.ID, "job_kind", j.Kind, "job_key", j.Key, "attempt", j.Attempts)
	run := &Run{Job: j, Logger: log, lease: store.JobLease{JobID: j.ID, Token: j.LeaseToken}, runner: r, stopping: stopping}
	start := time.Now()
	result := func(res string) {
		if r.Observer != nil {
			r.Observer.JobRan(j.Kind, res, time.Since(start))
		}
	}
	// finish writes the outcome with a context of its own: a shutdown
	// must not stop the release of a lease.
	fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer fcancel()
	maxAttempts := or(j.MaxAttempts, or(r.MaxAttempts, DefaultMaxAttempts))
	if j.Attempts > maxAttempts {
		// Claimed again after its workers died: do not loop.
		err := r.Store.FailJob(fctx, run.lease, fmt.Sprintf("%d attempts without finishing (%s)", j.Attempts-1, j.LastError), r.now(), nil)
		r.logged(log, "fail", err)
		result("failed")
		return
	}
	r.mu.Lock()
	h := r.handlers[j.Kind]
	r.mu.Unlock()

	hctx, cancel := context.WithCancelCause(ctx)
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		r.renew(hctx, cancel, run.lease, ttl, log)
	}()
	err := safely(hctx, h, run)
	cause := context.Cause(hctx)
	cancel(nil)
	<-renewed

	now := r.now()
	switch {
	case errors.Is(cause, errLeaseLost):
		log.Warn("jobs: lease lost; another worker may have the job", "err", err)
		result("lease_lost")
	case err == nil && run.completed:
		result("ok")
	case err == nil:
		err := r.Store.CompleteJob(fctx, run.lease, now)
		if errors.Is(err, store.ErrLeaseLost) {
			result("lease_lost")
		} else {
			result("ok")
		}
		r.logged(log, "complete", err)
	case ctx.Err() != nil:
		// Shutdown past the grace period: give the job back.
		err := r.Store.ReleaseJob(fctx, run.lease, now)
		r.logged(log, "release", err)
		log.Info("jobs: released at shutdown")
		result("released")
	case j.Attempts >= maxAttempts || errors.Is(err, ErrPermanent):
		log.Error("jobs: failed", "err", err)
		r.logged(log, "fail", r.Store.FailJob(fctx, run.lease, err.Error(), now, nil))
		result("failed")
	default:
		at := now.Add(r.backoff(j.Attempts))
		log.Warn("jobs: will retry", "err", err, "retry_at", at)
		r.logged(log, "fail", r.Store.FailJob(fctx, run.lease, err.Error(), now, &at))
		result("retry")
	}
}

// ErrPermanent, wrapped in a handler's error, fails the job at once
// instead of retrying it.
var ErrPermanent = errors.New("permanent failure")

func (r *Runner) logged(log *slog.Logger, what string, err error) {
	switch {
	case err == nil:
	case errors.Is(err, store.ErrLeaseLost):
		log.Warn("jobs: "+what+" fenced out: the lease lapsed", "err", err)
	default:
		log.Error("jobs: "+what, "err", err)
	}
}

// renew extends the lease every third of ttl until ctx ends; losing it
// cancels the handler with errLeaseLost. A failed renewal (database away)
// is retried until the lease would lapse.
func (r *Runner) renew(ctx context.Context, cancel context.CancelCauseFunc, l store.JobLease, ttl time.Duration, log *slog.Logger) {
	t := time.NewTicker(ttl / 3)
	defer t.Stop()
	deadline := r.now().Add(ttl)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := r.now()
		err := r.Store.RenewJobLease(ctx, l, now, now.Add(ttl))
		switch {
		case err == nil:
			deadline = now.Add(ttl)
		case errors.Is(err, store.ErrLeaseLost) || !now.Before(deadline):
			cancel(fmt.Errorf("%w: %w", errLeaseLost, err))
			return
		case ctx.Err() == nil:
			log.Warn("jobs: renew lease", "err", err)
		}
	}
}

// safely runs h, turning a panic into an error.
func safely(ctx context.Context, h Handler, run *Run) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("jobs: handler panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return h(ctx, run)
}
