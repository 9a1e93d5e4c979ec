package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
)

// reviewService builds the campaign engine over st: the definitions from
// review.campaigns, the catalog in force, revocation through the access
// service (acc, or one built here with the configured fulfillers when
// nil) and NHI retirement through the NHI service. closeFn releases the
// directory writers it opened.
func (c *Config) reviewService(ctx context.Context, st store.Store, acc *access.Service, logger *slog.Logger) (svc *review.Service, closeFn func(), err error) {
	closeFn = func() {}
	defs, errs := c.campaignDefinitions()
	if len(errs) > 0 {
		return nil, closeFn, errs
	}
	svc, err = review.NewService(st, defs)
	if err != nil {
		return nil, closeFn, err
	}
	svc.Logger = logger.With("component", "review")
	closeFn = svc.Stop // background generations stop; Tick continues them
	svc.NHI = c.nhiService(st, logger)
	// Revoked LDAP service accounts are locked in their directory too.
	for _, src := range c.Sources {
		w, err := src.groupWriter()
		if err != nil {
			return nil, closeFn, err
		}
		if w == nil {
			continue
		}
		if svc.Directories == nil {
			svc.Directories = map[string]review.NHIDisabler{}
		}
		svc.Directories[src.Name] = ldapDisabler{w}
		prev := closeFn
		closeFn = func() { prev(); w.Close() }
	}
	if acc == nil && len(c.Catalog.Files) > 0 {
		prev := closeFn
		var closeAcc func()
		acc, closeAcc, err = c.reviewAccess(ctx, st, logger)
		closeFn = func() { prev(); closeAcc() }
		if err != nil {
			return nil, closeFn, err
		}
	}
	if acc != nil {
		svc.Catalog = acc
		svc.Revoker = review.RevokerFunc(func(ctx context.Context, grantID, by, reason string) error {
			// A campaign's revocation is an admin-level decision already
			// taken by a reviewer (or the capped default).
			if _, err := acc.Revoke(ctx, grantID, by, reason); err != nil {
				return err
			}
			// The take-back is durable work; carry it out now so the
			// remediation can be recorded in this pass (a failure stays
			// with the grant and is retried by the worker).
			_, err := acc.ProcessFulfillments(ctx)
			return err
		})
	}
	return svc, closeFn, nil
}

// reviewAccess builds an access service for commands that run outside
// serve (campaign close revokes): the same fulfillers serve wires.
func (c *Config) reviewAccess(ctx context.Context, st store.Store, logger *slog.Logger) (*access.Service, func(), error) {
	cat, errs := c.Catalog.effectiveCatalog(ctx, st)
	if len(errs) > 0 {
		return nil, func() {}, errs
	}
	writers := map[string]access.GroupWriter{}
	var closers []func()
	for _, src := range c.Sources {
		w, err := src.groupWriter()
		if err != nil {
			return nil, func() {}, err
		}
		if w != nil {
			writers[src.Name] = w
			closers = append(closers, func() { w.Close() })
		}
	}
	closeAll := func() {
		for _, f := range closers {
			f()
		}
	}
	acc, err := access.NewService(st, cat, map[string]access.Fulfiller{
		"ldap-group":      &access.LDAPGroup{Store: st, Writers: writers},
		"manual":          access.Manual{},
		"service-account": access.ServiceAccount{Store: st, Now: time.Now, NHI: c.nhiService(st, logger)},
		"scim":            c.Access.scimFulfiller(logger.With("component", "access")),
		"api-key":         &access.APIKey{Store: st, Now: time.Now, NHI: c.nhiService(st, logger)},
		"webhook": &access.Webhook{SecretFor: func(it access.Item) []byte {
			if name := it.Fulfillment.Params["secretEnv"]; name != "" {
				return []byte(os.Getenv(name))
			}
			return nil
		}},
	}, logger.With("component", "access"))
	if err != nil {
		closeAll()
		return nil, func() {}, err
	}
	return acc, closeAll, nil
}

// fixedCatalog serves one loaded catalog to the campaign engine.
type fixedCatalog struct{ c *access.Catalog }

func (f fixedCatalog) Catalog() *access.Catalog { return f.c }

// verifyAfterRun is the pull runner's AfterRun when campaigns are
// configured: the next pull of a source verifies the take-backs whose
// access it reports. Only the catalog is needed (no directory writers).
func (c *Config) verifyAfterRun(logger *slog.Logger) func(ctx context.Context, st store.Store, run store.SyncRun) error {
	if len(c.Review.Campaigns) == 0 {
		return nil
	}
	return func(ctx context.Context, st store.Store, run store.SyncRun) error {
		defs, errs := c.campaignDefinitions()
		if len(errs) > 0 {
			return errs
		}
		svc, err := review.NewService(st, defs)
		if err != nil {
			return err
		}
		svc.Logger = logger.With("component", "review")
		if len(c.Catalog.Files) > 0 {
			cat, errs := c.Catalog.effectiveCatalog(ctx, st)
			if len(errs) > 0 {
				return errs
			}
			svc.Catalog = fixedCatalog{cat}
		}
		n, err := svc.VerifyAfterSync(ctx, run.ID)
		if n > 0 {
			logger.Info("campaign take-backs verified by sync", "run", run.ID, "source", run.Source, "verified", n)
		}
		return err
	}
}
