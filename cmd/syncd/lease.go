package main

import (
	"context"
	"fmt"
	"os"
	"time"
)

// processHolder names this process in job leases: host, pid and start
// time, so a restarted process is a new holder.
func processHolder() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d:%d", host, os.Getpid(), time.Now().UnixNano())
}

// exclusive runs fn only if this replica takes the named lease, so a
// scheduled job runs once across replicas sharing the database. It reports
// whether fn ran. The lease is released afterwards; if this process dies
// mid-run, the lease lapses after ttl and another replica takes over.
func (d *daemon) exclusive(ctx context.Context, name string, ttl time.Duration, fn func() error) (bool, error) {
	ok, err := d.store.AcquireLease(ctx, name, d.holder, time.Now(), ttl)
	if err != nil || !ok {
		return false, err
	}
	defer func() {
		if err := d.store.ReleaseLease(context.WithoutCancel(ctx), name, d.holder); err != nil {
			d.logger.Warn("release lease", "lease", name, "err", err)
		}
	}()
	return true, fn()
}
