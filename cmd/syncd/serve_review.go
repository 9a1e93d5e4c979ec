package main

import (
	"context"
	"time"

	"github.com/syncd-dev/syncd/internal/jobs"
)

// reviewTickEvery is how often the campaign engine's scheduled work runs.
const reviewTickEvery = time.Minute

// startReview builds the campaign engine for the API. Its scheduled work
// (review.Service.Tick: starts, generation, reminders, deadlines,
// remediation) is registered with the job runner; pulls verify
// take-backs through the runner's AfterRun hook (newRunner).
func (d *daemon) startReview(ctx context.Context) error {
	svc, closeFn, err := d.cfg.reviewService(ctx, d.store, d.access, d.dirs, d.logger)
	if err != nil {
		return err
	}
	d.closers = append(d.closers, func() error { closeFn(); return nil })
	d.review = svc
	// Starts of scheduled campaigns, paged generation, reminders,
	// escalations, deadlines and remediation. Tick is itself exactly-once
	// through the database (unique campaign per period, version-checked
	// items), so the period only bounds how late a deadline applies.
	d.jobs.Periodic("review.tick", reviewTickEvery, func(ctx context.Context, run *jobs.Run) error {
		return svc.Tick(ctx)
	})
	return nil
}
