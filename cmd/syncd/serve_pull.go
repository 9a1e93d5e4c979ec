package main

import (
	"context"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/jobs"
	"github.com/syncd-dev/syncd/internal/metrics"
	"github.com/syncd-dev/syncd/internal/pull"
	"github.com/syncd-dev/syncd/internal/store"
)

// startPull registers a periodic job per pulled source (type ldap or
// scim); the runs also hold the source's database lease, so replicas
// sharing PostgreSQL pull each source once.
func (d *daemon) startPull(ctx context.Context) error {
	var pullJobs []pull.Job
	for _, s := range d.cfg.Sources {
		if !s.pulled() {
			continue
		}
		src, err := newPullSource(s, d.logger)
		if err != nil {
			return fmt.Errorf("source %q: %w", s.Name, err)
		}
		pullJobs = append(pullJobs, pull.Job{Source: src, Interval: time.Duration(s.Interval), FullInterval: time.Duration(s.FullInterval)})
	}
	if len(pullJobs) == 0 {
		return nil
	}
	runner, err := newRunner(d.cfg, d.store, d.logger)
	if err != nil {
		return err
	}
	// The source's own lease lapses as fast as a job's: a replica killed
	// mid-pull holds the source no longer than it holds the job.
	runner.LeaseTTL = time.Duration(d.cfg.Jobs.LeaseTTL)
	sched := &pull.Scheduler{Runner: runner, Jobs: pullJobs, AfterRun: func(run store.SyncRun) {
		finished := time.Now()
		if run.FinishedAt != nil {
			finished = *run.FinishedAt
		}
		c := run.Counts
		d.metrics.SyncRun(run.Source, string(run.Status), finished.Sub(run.StartedAt), metrics.SyncCounts{
			Created: c.Created, Updated: c.Updated, Unchanged: c.Unchanged, Terminated: c.Terminated, Rejected: c.Rejected,
		})
		// New people, leavers and service accounts change orphan findings.
		if d.nhi != nil {
			d.nhi.EvaluateSoon()
		}
	}}
	// Each source is looked at once per period across replicas; whether
	// it is due (and full) is decided from its runs, under its lease.
	for _, j := range pullJobs {
		d.jobs.Periodic("pull."+j.Source.Name(), sched.Period(j), func(ctx context.Context, run *jobs.Run) error {
			// A pull stops at shutdown, as it always did: it resumes from
			// its committed state at the next period.
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			go func() {
				select {
				case <-run.Stopping():
					cancel()
				case <-ctx.Done():
				}
			}()
			sched.RunIfDue(ctx, j)
			return nil
		})
		d.closers = append(d.closers, j.Source.Close)
	}
	d.logger.Info("pull sources scheduled", "sources", len(pullJobs))
	return nil
}
