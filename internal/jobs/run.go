package jobs

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/syncd-dev/syncd/internal/store"
)

// Run is one claim of a job, handed to its handler.
type Run struct {
	Job store.Job
	// Logger carries job_id, job_kind, job_key and attempt.
	Logger *slog.Logger

	lease     store.JobLease
	runner    *Runner
	completed bool
	stopping  <-chan struct{}
}

// Stopping is closed when the runner begins to drain (shutdown). Handlers
// that wait between steps (retry sleeps, long polls) stop at it instead of
// using up the grace period; work in progress may go on until ctx ends.
func (r *Run) Stopping() <-chan struct{} { return r.stopping }

// Lease is this claim, for handlers that fence writes through their own
// store methods.
func (r *Run) Lease() store.JobLease { return r.lease }

// Fence fails with store.ErrLeaseLost unless this claim still holds the
// job; called inside tx, it also keeps the job's row locked until tx ends,
// so no other worker can take the job over before tx commits.
func (r *Run) Fence(ctx context.Context, tx store.JobWriter) error {
	if err := tx.FenceJob(ctx, r.lease, r.runner.now()); err != nil {
		return fmt.Errorf("jobs: fence %s %d: %w", r.Job.Kind, r.Job.ID, err)
	}
	return nil
}

// Complete marks the job done inside tx, fenced: the handler's writes in
// tx and the completion commit together, or (lease lost) not at all. The
// handler must then return nil once tx has committed.
func (r *Run) Complete(ctx context.Context, tx store.JobWriter) error {
	if err := tx.CompleteJob(ctx, r.lease, r.runner.now()); err != nil {
		return fmt.Errorf("jobs: complete %s %d: %w", r.Job.Kind, r.Job.ID, err)
	}
	r.completed = true
	return nil
}
