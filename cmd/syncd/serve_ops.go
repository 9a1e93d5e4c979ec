package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/jobs"
	"github.com/syncd-dev/syncd/internal/metrics"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
)

// newMetrics builds the daemon's metrics with their database gauges.
// Open review items are the undecided items of active campaigns.
// kinds lists the registered job kinds, reported with depth 0 when none
// of theirs is due.
func newMetrics(st *gormstore.Store, kinds func() []string, logger *slog.Logger) *metrics.Metrics {
	return metrics.New(metrics.Gauges{
		JobQueue: func(ctx context.Context) (map[string]int, *time.Time, error) {
			s, err := st.JobStats(ctx, time.Now())
			if err != nil {
				return nil, nil, err
			}
			for _, k := range kinds() {
				s.DueByKind[k] += 0
			}
			return s.DueByKind, s.OldestDue, nil
		},
		OpenFindings: func(ctx context.Context) (map[string]int, error) { return nhi.OpenByRule(ctx, st) },
		PendingApprovals: func(ctx context.Context) (int, error) {
			rs, err := st.ListRequests(ctx, store.RequestQuery{State: store.RequestPending, Limit: store.All})
			return len(rs), err
		},
		OpenReviewItems: func(ctx context.Context) (int, error) {
			cs, err := st.ListCampaigns(ctx, store.CampaignQuery{States: []store.CampaignState{store.CampaignActive}, Limit: store.All})
			if err != nil {
				return 0, err
			}
			open := 0
			for _, c := range cs {
				n, err := st.CountReviewItems(ctx, c.ID)
				if err != nil {
					return 0, err
				}
				open += n.Undecided
			}
			return open, nil
		},
		DBStats: st.DBStats,
		Store:   metrics.StoreWork{Statements: st.Statements, AuditLockHold: st.AuditLockHold},
		Logger:  logger.With("component", "metrics"),
	})
}

// registerJobMaintenance registers the runner's own housekeeping: finished
// jobs are pruned after jobs.keepDone (failed ones stay for operators).
func (d *daemon) registerJobMaintenance() {
	keep := time.Duration(d.cfg.Jobs.KeepDone)
	d.jobs.Periodic("jobs.prune", time.Hour, func(ctx context.Context, run *jobs.Run) error {
		n, err := d.store.DeleteFinishedJobs(ctx, time.Now().Add(-keep))
		if n > 0 {
			run.Logger.Info("pruned finished jobs", "count", n)
		}
		return err
	})
	if every := time.Duration(d.cfg.Jobs.Canary.Every); every > 0 {
		hold := time.Duration(d.cfg.Jobs.Canary.Hold)
		d.jobs.Periodic("jobs.canary", every, func(ctx context.Context, run *jobs.Run) error {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(hold):
			}
			return d.store.InTx(ctx, func(tx store.Tx) error {
				if err := run.Complete(ctx, tx); err != nil {
					return err
				}
				_, err := audit.Append(ctx, tx, time.Now(), audit.Entry{
					Actor: "system", Action: audit.ActionJobsCanary, Target: "job:" + run.Job.Kind + "/" + run.Job.Key,
					Details: map[string]any{"job_id": run.Job.ID, "attempt": run.Job.Attempts, "holder": d.jobs.Holder},
				})
				return err
			})
		})
	}
}
