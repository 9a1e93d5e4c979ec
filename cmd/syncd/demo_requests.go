package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/syncd-dev/syncd/internal/demo"
	"github.com/syncd-dev/syncd/internal/store"
)

// seedDemoRequests files the demo's access requests (every state) if no
// request exists yet.
func seedDemoRequests(ctx context.Context, out io.Writer, st store.Store, cfg Config, logger *slog.Logger) error {
	rs, err := st.ListRequests(ctx, store.RequestQuery{Limit: 1})
	if err != nil || len(rs) > 0 {
		return err
	}
	dirs, err := cfg.openDirectoryWriters()
	if err != nil {
		return err
	}
	defer dirs.Close()
	acc, err := cfg.reviewAccess(ctx, st, dirs, logger)
	if err != nil {
		return err
	}
	sum, err := demo.SeedRequests(ctx, st, acc)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Filed access requests: %d pending, %d approved, %d denied, %d withdrawn.\n", sum.Pending, sum.Approved, sum.Denied, sum.Withdrawn)
	return nil
}

// demoNHIThresholds are configs/demo.yaml's rotation and non-use
// thresholds, so the demo's NHIs trigger every orphan rule (rotation
// overdue and unused need thresholds; without them those rules are off).
func demoNHIThresholds() []NHIThreshold {
	return []NHIThreshold{
		{Kind: "api-key", Environment: "prod", RotateAfterDays: 90, UnusedAfterDays: 30},
		{RotateAfterDays: 365, UnusedAfterDays: 90},
	}
}
