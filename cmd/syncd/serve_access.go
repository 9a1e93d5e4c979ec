package main

import (
	"context"
	"slices"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/jobs"
)

// fulfillmentEvery is how often due fulfillment and take-back work
// (retries after backoff, work another replica recorded) is looked for.
const fulfillmentEvery = 10 * time.Second

// accessSweepEvery is how often serve re-resolves the catalog's people
// (owners and approvers appear with syncs) and runs the request flow's
// deadlines, expiries, notices and fulfillment retries.
const accessSweepEvery = time.Minute

// startAccess builds the request flow when catalog files are configured;
// the API (started after it) serves it under /api/v1.
func (d *daemon) startAccess(ctx context.Context) error {
	if len(d.cfg.Catalog.Files) == 0 {
		d.logger.Info("access requests off (catalog.files not set)")
		return nil
	}
	cat, errs := d.cfg.Catalog.effectiveCatalog(ctx, d.store)
	if len(errs) > 0 {
		return errs
	}
	// Issued credentials are sealed until their one-time retrieval.
	creds, err := d.cfg.Access.credentialCipher()
	if err != nil {
		return err
	}
	if creds == nil && slices.ContainsFunc(cat.Items, func(it catalog.Item) bool { return it.Fulfillment.Type == "api-key" }) {
		d.logger.Warn("access.credentialKeyEnv not set: issued credentials are sealed with a key of this process only and cannot be retrieved after a restart or from another replica")
	}
	// ldap-group fulfillment writes through the process's one writer per
	// LDAP source (d.dirs), shared with NHI remediation and campaigns.
	logger := d.logger.With("component", "access")
	svc, err := access.NewService(d.store, cat, d.cfg.accessFulfillers(d.store, d.dirs, creds, logger), logger)
	if err != nil {
		return err
	}
	// Owners and approvers by name resolve from the current store when a
	// request is submitted or decided, not from the last reload.
	d.access = svc
	svc.Credentials = creds
	svc.Lease = time.Duration(d.cfg.Access.FulfillmentLease)
	svc.Refresh = d.catalogEditor().Reload
	// Fulfillment and take-back run in this process's worker, kicked right
	// after a commit (never inside the HTTP request), and as a periodic job
	// for retries after backoff and work another replica recorded; each
	// grant's work is claimed under its own lease, so replicas never
	// double an external change.
	d.local = append(d.local, svc.RunWorker)
	d.jobs.Periodic("access.fulfill", fulfillmentEvery, func(ctx context.Context, run *jobs.Run) error {
		_, err := d.access.ProcessFulfillments(ctx)
		return err
	})
	// The catalog is cached per process: every replica reloads its own.
	d.local = append(d.local, every(accessSweepEvery, func(ctx context.Context) {
		if err := d.catalogEditor().Reload(ctx); err != nil && ctx.Err() == nil {
			d.logger.Error("catalog reload", "err", err)
		}
	}))
	// Deadlines, expiries, notices and fulfillment retries: once per
	// period across replicas.
	d.jobs.Periodic("access.sweep", accessSweepEvery, func(ctx context.Context, run *jobs.Run) error {
		res, err := d.access.Sweep(ctx)
		for _, e := range res.Errors {
			run.Logger.Warn("access sweep", "err", e)
		}
		return err
	})
	return nil
}
