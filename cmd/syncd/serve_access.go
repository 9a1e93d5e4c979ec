package main

import (
	"context"
	"os"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
)

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
	// ldap-group fulfillment writes to every LDAP source with write
	// credentials; writers connect on first use.
	writers := map[string]access.GroupWriter{}
	for _, src := range d.cfg.Sources {
		w, err := src.groupWriter()
		if err != nil {
			return err
		}
		if w != nil {
			writers[src.Name] = w
			go func() {
				<-ctx.Done()
				w.Close()
			}()
		}
	}
	svc, err := access.NewService(d.store, cat, map[string]access.Fulfiller{
		"ldap-group":      &access.LDAPGroup{Store: d.store, Writers: writers},
		"manual":          access.Manual{},
		"service-account": access.ServiceAccount{Store: d.store, Now: time.Now},
		"scim":            d.cfg.Access.scimFulfiller(d.logger.With("component", "access")),
		"api-key":         &access.APIKey{Store: d.store, Now: time.Now},
		"webhook": &access.Webhook{SecretFor: func(it access.Item) []byte {
			// The signing secret is read from the environment variable the
			// item names, never from the catalog file.
			if name := it.Fulfillment.Params["secretEnv"]; name != "" {
				return []byte(os.Getenv(name))
			}
			return nil
		}},
	}, d.logger.With("component", "access"))
	if err != nil {
		return err
	}
	// Owners and approvers by name resolve from the current store when a
	// request is submitted or decided, not from the last reload.
	d.access = svc
	svc.Refresh = d.catalogEditor().Reload
	// Fulfillment and take-back run in the daemon's own worker, kicked
	// right after a commit (never inside the HTTP request) and every few
	// seconds for retries and other replicas' work.
	go svc.RunWorker(ctx)
	go d.accessLoop(ctx)
	go d.fulfillmentLoop(ctx)
	return nil
}

// fulfillmentEvery is how often serve looks for due fulfillment and
// take-back work (retries after backoff, work another replica recorded).
const fulfillmentEvery = 5 * time.Second

func (d *daemon) fulfillmentLoop(ctx context.Context) {
	t := time.NewTicker(fulfillmentEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		d.access.Kick()
	}
}

func (d *daemon) accessLoop(ctx context.Context) {
	t := time.NewTicker(accessSweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := d.catalogEditor().Reload(ctx); err != nil {
			d.logger.Error("catalog reload", "err", err)
		}
		// Deadlines, expiries and notices run on one replica at a time.
		var res access.SweepResult
		_, err := d.exclusive(ctx, "access:sweep", 5*time.Minute, func() error {
			var err error
			res, err = d.access.Sweep(ctx)
			return err
		})
		if err != nil && ctx.Err() == nil {
			d.logger.Error("access sweep", "err", err)
			continue
		}
		for _, e := range res.Errors {
			d.logger.Warn("access sweep", "err", e)
		}
	}
}
