package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/jobs"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// effect writes one non-idempotent row (a sync run of source "effect"
// naming the job) and completes the claim in the same transaction: the
// pattern for effects that must happen once.
func effect(ctx context.Context, st store.Store, run *jobs.Run) error {
	return st.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.CreateSyncRun(ctx, store.SyncRun{Source: "effect", Mode: "push", Watermark: run.Job.Kind + "/" + run.Job.Key}); err != nil {
			return err
		}
		return run.Complete(ctx, tx)
	})
}

// effects counts effect rows per job.
func effects(t *testing.T, st store.Store) map[string]int {
	t.Helper()
	runs, err := st.ListSyncRuns(t.Context(), "effect", 100000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range runs {
		out[r.Watermark]++
	}
	return out
}

func runner(st store.Store, holder string) *jobs.Runner {
	return &jobs.Runner{
		Store: st, Holder: holder, Poll: 20 * time.Millisecond, LeaseTTL: time.Second, Workers: 2,
		Backoff: func(int) time.Duration { return 10 * time.Millisecond }, Grace: time.Second,
	}
}

// start runs r until the test ends (or stop is called) and checks that Run
// returns.
func start(t *testing.T, r *jobs.Runner) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("run: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Errorf("runner %s did not stop", r.Holder)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func jobIn(t *testing.T, st store.Store, id int64) store.Job {
	t.Helper()
	j, err := st.GetJob(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// TestPeriodicOncePerPeriod: four replicas register one periodic job;
// every period that began while they ran ran exactly once.
func TestPeriodicOncePerPeriod(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		const every = 200 * time.Millisecond
		var stops []func()
		for i := range 4 {
			r := runner(st, fmt.Sprintf("replica-%d", i))
			r.Periodic("tick", every, func(ctx context.Context, run *jobs.Run) error { return effect(ctx, st, run) })
			stops = append(stops, start(t, r))
		}
		first := time.Now()
		time.Sleep(10 * every)
		last := time.Now()
		for _, stop := range stops {
			stop()
		}
		// Exactly once: no period's effect twice, and every done period
		// had its effect.
		got := effects(t, st)
		for k, n := range got {
			if n != 1 {
				t.Errorf("%s ran %d times", k, n)
			}
		}
		done, err := st.ListJobs(t.Context(), store.JobQuery{Kind: "tick", State: store.JobDone, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range done {
			if got["tick/"+j.Key] != 1 {
				t.Errorf("done period %s had its effect %d times", j.Key, got["tick/"+j.Key])
			}
		}
		// Liveness, with slack for a loaded machine: the periods well
		// inside the window ran.
		for p := first.Truncate(every).Add(every); p.Add(4 * every).Before(last); p = p.Add(every) {
			if key := "tick/" + jobs.PeriodKey(p, every); got[key] != 1 {
				t.Errorf("period %s ran %d times", key, got[key])
			}
		}
	})
}

// TestManyWorkersEachJobOnce: 4 runners of 4 workers drain 200 jobs; each
// job's effect happens once and every job is done.
func TestManyWorkersEachJobOnce(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		const n = 200
		for i := range n {
			if _, _, err := jobs.Enqueue(t.Context(), st, jobs.Job{Kind: "work", Key: fmt.Sprint(i)}); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 4 {
			r := runner(st, fmt.Sprintf("replica-%d", i))
			r.Workers = 4
			r.Handle("work", func(ctx context.Context, run *jobs.Run) error { return effect(ctx, st, run) })
			start(t, r)
		}
		waitFor(t, "all jobs done", func() bool {
			done, err := st.ListJobs(t.Context(), store.JobQuery{State: store.JobDone, Limit: n + 1})
			return err == nil && len(done) == n
		})
		got := effects(t, st)
		if len(got) != n {
			t.Fatalf("%d jobs had effects, want %d", len(got), n)
		}
		for k, c := range got {
			if c != 1 {
				t.Errorf("%s: effect %d times", k, c)
			}
		}
	})
}

// stalled is a store whose lease renewals pretend to succeed without
// renewing: a worker paused (GC, a stopped VM) that believes it still
// holds its lease.
type stalled struct{ store.Store }

func (stalled) RenewJobLease(context.Context, store.JobLease, time.Time, time.Time) error { return nil }

// TestStaleWorkerIsFencedOut: worker A's lease lapses while its handler
// is stuck; B claims the job and completes it; when A wakes up its
// transaction (effect + completion) is refused and rolls back, so the
// effect happened once.
func TestStaleWorkerIsFencedOut(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		j, _, err := jobs.Enqueue(t.Context(), st, jobs.Job{Kind: "once", Key: "k"})
		if err != nil {
			t.Fatal(err)
		}
		aStarted, aWake, aDone := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		a := runner(stalled{st}, "a")
		a.Workers = 1 // its only worker is stuck: B must take the job over
		a.LeaseTTL = 300 * time.Millisecond
		a.Handle("once", func(ctx context.Context, run *jobs.Run) error {
			close(aStarted)
			<-aWake
			err := effect(ctx, st, run)
			aDone <- err
			return err
		})
		start(t, a)
		<-aStarted

		b := runner(st, "b")
		b.Handle("once", func(ctx context.Context, run *jobs.Run) error { return effect(ctx, st, run) })
		start(t, b)
		waitFor(t, "b completes the job", func() bool { return jobIn(t, st, j.ID).State == store.JobDone })
		close(aWake)
		if err := <-aDone; !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("stale worker's commit: %v, want ErrLeaseLost", err)
		}
		if got := effects(t, st)["once/k"]; got != 1 {
			t.Fatalf("effect happened %d times", got)
		}
		if got := jobIn(t, st, j.ID); got.State != store.JobDone || got.Attempts != 2 || got.LeaseHolder != "b" {
			t.Fatalf("job: %+v", got)
		}
	})
}

// TestCrashedWorkerRetriedAfterLeaseLapse: a worker claims and dies
// (nothing renews, nothing finishes); another runner takes the job once
// the lease lapses, not before.
func TestCrashedWorkerRetriedAfterLeaseLapse(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		j, _, err := jobs.Enqueue(t.Context(), st, jobs.Job{Kind: "once", Key: "k"})
		if err != nil {
			t.Fatal(err)
		}
		claimed := time.Now()
		if _, err := st.ClaimJob(t.Context(), []string{"once"}, "dead", claimed, 500*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		var ranAt atomic.Int64
		b := runner(st, "b")
		b.Handle("once", func(ctx context.Context, run *jobs.Run) error {
			ranAt.Store(time.Now().UnixNano())
			return effect(ctx, st, run)
		})
		start(t, b)
		waitFor(t, "job done", func() bool { return jobIn(t, st, j.ID).State == store.JobDone })
		if took := time.Unix(0, ranAt.Load()).Sub(claimed); took < 500*time.Millisecond {
			t.Fatalf("retried %s after the claim, before the lease lapsed", took)
		}
		if got := effects(t, st)["once/k"]; got != 1 {
			t.Fatalf("effect happened %d times", got)
		}
	})
}

// TestRetryBackoffThenFail: errors retry until MaxAttempts, then the job
// fails with its last error; an operator retry runs it again.
func TestRetryBackoffThenFail(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		var calls atomic.Int32
		var succeed atomic.Bool
		r := runner(st, "a")
		r.MaxAttempts = 3
		r.Handle("flaky", func(ctx context.Context, run *jobs.Run) error {
			calls.Add(1)
			if succeed.Load() {
				return nil
			}
			return fmt.Errorf("attempt %d failed", run.Job.Attempts)
		})
		j, _, err := jobs.Enqueue(t.Context(), st, jobs.Job{Kind: "flaky", Key: "k"})
		if err != nil {
			t.Fatal(err)
		}
		start(t, r)
		waitFor(t, "job failed", func() bool { return jobIn(t, st, j.ID).State == store.JobFailed })
		got := jobIn(t, st, j.ID)
		if calls.Load() != 3 || got.Attempts != 3 || got.LastError != "attempt 3 failed" {
			t.Fatalf("after failing: calls %d, job %+v", calls.Load(), got)
		}
		succeed.Store(true)
		if _, err := st.RetryJob(t.Context(), j.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		r.Wake()
		waitFor(t, "job done after retry", func() bool { return jobIn(t, st, j.ID).State == store.JobDone })
	})
}

// TestPermanentAndPanic: ErrPermanent fails at once; a panicking handler
// is an error, not a crash.
func TestPermanentAndPanic(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		r := runner(st, "a")
		r.Handle("perm", func(context.Context, *jobs.Run) error { return fmt.Errorf("bad payload: %w", jobs.ErrPermanent) })
		r.Handle("panic", func(context.Context, *jobs.Run) error { panic("boom") })
		r.MaxAttempts = 1
		p, _, _ := jobs.Enqueue(t.Context(), st, jobs.Job{Kind: "perm", Key: "k", MaxAttempts: 5})
		q, _, _ := jobs.Enqueue(t.Context(), st, jobs.Job{Kind: "panic", Key: "k"})
		start(t, r)
		waitFor(t, "both failed", func() bool {
			return jobIn(t, st, p.ID).State == store.JobFailed && jobIn(t, st, q.ID).State == store.JobFailed
		})
		if got := jobIn(t, st, p.ID); got.Attempts != 1 {
			t.Fatalf("permanent failure retried: %+v", got)
		}
	})
}

// TestShutdownReleasesAfterGrace: a handler that does not finish within
// the grace period is cancelled and its job released (due again, the
// attempt not counted); a handler that finishes within it completes.
func TestShutdownReleasesAfterGrace(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		r := runner(st, "a")
		r.Grace = 200 * time.Millisecond
		started := make(chan struct{}, 2)
		r.Handle("slow", func(ctx context.Context, run *jobs.Run) error {
			started <- struct{}{}
			<-ctx.Done()
			return ctx.Err()
		})
		r.Handle("quick", func(ctx context.Context, run *jobs.Run) error {
			started <- struct{}{}
			time.Sleep(50 * time.Millisecond)
			return nil
		})
		slow, _, _ := jobs.Enqueue(t.Context(), st, jobs.Job{Kind: "slow", Key: "k"})
		quick, _, _ := jobs.Enqueue(t.Context(), st, jobs.Job{Kind: "quick", Key: "k"})
		stop := start(t, r)
		<-started
		<-started
		t0 := time.Now()
		stop()
		if took := time.Since(t0); took > 2*time.Second {
			t.Fatalf("shutdown took %s", took)
		}
		if got := jobIn(t, st, slow.ID); got.State != store.JobQueued || got.Attempts != 0 || got.LeaseExpiresAt != nil {
			t.Fatalf("slow job after shutdown: %+v", got)
		}
		if got := jobIn(t, st, quick.ID); got.State != store.JobDone {
			t.Fatalf("quick job after shutdown: %+v", got)
		}
	})
}
