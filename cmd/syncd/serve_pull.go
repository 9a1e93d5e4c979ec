package main

import (
	"context"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/pull"
	"github.com/syncd-dev/syncd/internal/store"
)

// startPull schedules every pulled source (type ldap or scim) on its
// interval until ctx ends; the runs hold database leases, so replicas
// sharing PostgreSQL pull each source once.
func (d *daemon) startPull(ctx context.Context) error {
	var jobs []pull.Job
	for _, s := range d.cfg.Sources {
		if !s.pulled() {
			continue
		}
		src, err := newPullSource(s, d.logger)
		if err != nil {
			return fmt.Errorf("source %q: %w", s.Name, err)
		}
		jobs = append(jobs, pull.Job{Source: src, Interval: time.Duration(s.Interval), FullInterval: time.Duration(s.FullInterval)})
	}
	if len(jobs) == 0 {
		return nil
	}
	runner, err := newRunner(d.cfg, d.store, d.logger)
	if err != nil {
		return err
	}
	sched := &pull.Scheduler{Runner: runner, Jobs: jobs, AfterRun: func(store.SyncRun) {
		// New people, leavers and service accounts change orphan findings.
		if d.nhi != nil {
			d.nhi.EvaluateSoon()
		}
	}}
	d.background.Add(1)
	go func() {
		defer d.background.Done()
		sched.Run(ctx)
		for _, j := range jobs {
			_ = j.Source.Close()
		}
	}()
	d.logger.Info("pull sources scheduled", "sources", len(jobs))
	return nil
}
