package pull

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/syncd-dev/syncd/internal/source"
	"github.com/syncd-dev/syncd/internal/store"
)

// Job is one source on its schedule.
type Job struct {
	Source source.Source
	// Interval between runs (incremental where the source allows it).
	Interval time.Duration
	// FullInterval between full reconciliations; 0 means only the first
	// run (and runs asked for with --full) is full.
	FullInterval time.Duration
}

// Scheduler runs every job on its interval. Due-ness is decided from the
// runs and state in the database and each run holds the source's lease,
// so replicas sharing the database run each job once.
type Scheduler struct {
	Runner *Runner
	Jobs   []Job
	// Tick is how often each job checks whether it is due; 30s when 0
	// (or the job's interval when shorter).
	Tick time.Duration
	// AfterRun, when set, is called after each finished run of this
	// replica (e.g. to evaluate the NHI orphan rules on the new data).
	AfterRun func(store.SyncRun)
	// Retries are the waits before running a source again, on a new
	// connection, when a run failed because the source could not be
	// reached (connection refused or dropped mid-read); default 2s, 10s.
	// Other failures wait for the next interval.
	Retries []time.Duration
}

// Run blocks until ctx is cancelled, then waits for running pulls to stop.
func (s *Scheduler) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, j := range s.Jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.loop(ctx, j)
		}()
	}
	wg.Wait()
}

func (s *Scheduler) loop(ctx context.Context, j Job) {
	tick := s.Tick
	if tick == 0 {
		tick = 30 * time.Second
	}
	if j.Interval > 0 && j.Interval < tick {
		tick = j.Interval
	}
	log := s.Runner.logger().With("source", j.Source.Name())
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		s.runIfDue(ctx, j, log)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunIfDue runs j once if it is due (see runIfDue): the daemon's job
// runner calls it on each of the source's periods instead of Run.
func (s *Scheduler) RunIfDue(ctx context.Context, j Job) {
	s.runIfDue(ctx, j, s.Runner.logger().With("source", j.Source.Name()))
}

// Period is how often j is looked at: its interval, at most Tick (30s).
func (s *Scheduler) Period(j Job) time.Duration {
	tick := s.Tick
	if tick == 0 {
		tick = 30 * time.Second
	}
	if j.Interval > 0 && j.Interval < tick {
		tick = j.Interval
	}
	return tick
}

// runIfDue runs j when its interval has passed since the last run started,
// full when the full interval has passed since the last full run. The
// decision is taken again under the lease, so two replicas that both saw
// the job due run it once.
func (s *Scheduler) runIfDue(ctx context.Context, j Job, log *slog.Logger) {
	due, _, err := s.due(ctx, j, false)
	if err != nil {
		log.Warn("pull schedule", "err", err)
		return
	}
	if !due {
		return
	}
	retries := s.Retries
	if retries == nil {
		retries = []time.Duration{2 * time.Second, 10 * time.Second}
	}
	for attempt := 0; ; attempt++ {
		// A retry runs although the failed run just started, so it asks
		// only whether the run is full.
		retry := attempt > 0
		plan := func(ctx context.Context) (bool, bool, error) { return s.due(ctx, j, retry) }
		run, err := s.Runner.Run(ctx, j.Source, Options{Plan: plan})
		switch {
		case errors.Is(err, ErrNotDue):
			log.Debug("pull schedule: another replica has just run this source")
			return
		case errors.Is(err, ErrBusy):
			log.Debug("pull schedule: another replica is running this source")
		case err != nil && ctx.Err() == nil:
			log.Error("pull failed", "run", run.ID, "mode", run.Mode, "attempt", attempt+1, "err", err)
		case err == nil:
			c := run.Counts
			log.Info("pull finished", "run", run.ID, "mode", run.Mode, "read", c.Read, "created", c.Created,
				"updated", c.Updated, "unchanged", c.Unchanged, "terminated", c.Terminated, "rejected", c.Rejected)
		}
		if s.AfterRun != nil && run.ID != 0 {
			s.AfterRun(run)
		}
		if err == nil || !errors.Is(err, source.ErrUnreachable) || attempt >= len(retries) || ctx.Err() != nil {
			return
		}
		log.Info("pull: reconnecting", "in", retries[attempt].String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(retries[attempt]):
		}
	}
}

// due reports whether j should run now, and whether fully; retry skips
// the interval check (the run that failed has just started).
func (s *Scheduler) due(ctx context.Context, j Job, retry bool) (due, full bool, err error) {
	name := j.Source.Name()
	now := s.Runner.now()
	runs, err := s.Runner.Store.ListSyncRuns(ctx, name, 1)
	if err != nil {
		return false, false, fmt.Errorf("list runs: %w", err)
	}
	if !retry && len(runs) > 0 && runs[0].StartedAt.Add(j.Interval).After(now) {
		return false, false, nil
	}
	state, err := s.Runner.Store.GetSourceState(ctx, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return true, true, nil
	case err != nil:
		return false, false, fmt.Errorf("read state: %w", err)
	}
	return true, j.FullInterval > 0 && (state.LastFullAt == nil || !state.LastFullAt.Add(j.FullInterval).After(now)), nil
}
