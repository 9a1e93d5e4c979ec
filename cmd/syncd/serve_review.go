package main

import (
	"context"
)

// startReview builds the campaign engine for the API. Its scheduled work
// (review.Service.Tick: starts, generation, reminders, deadlines,
// remediation) is registered with the job runner; pulls verify
// take-backs through the runner's AfterRun hook (newRunner).
func (d *daemon) startReview(ctx context.Context) error {
	svc, closeFn, err := d.cfg.reviewService(ctx, d.store, d.access, d.logger)
	if err != nil {
		return err
	}
	go func() {
		<-ctx.Done()
		closeFn()
	}()
	d.review = svc
	return nil
}
