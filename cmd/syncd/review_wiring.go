package main

import (
	"context"
	"log/slog"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
)

// reviewService builds the campaign engine over st: the definitions from
// review.campaigns, the catalog in force, revocation through the access
// service (acc, or one built here with the configured fulfillers when
// nil) and NHI retirement through the NHI service, locking revoked LDAP
// service accounts through dirs. When dirs is nil it opens the
// directory writers itself; closeFn releases what it opened.
func (c *Config) reviewService(ctx context.Context, st store.Store, acc *access.Service, dirs directoryWriters, logger *slog.Logger) (svc *review.Service, closeFn func(), err error) {
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
	if dirs == nil {
		if dirs, err = c.openDirectoryWriters(); err != nil {
			return nil, closeFn, err
		}
		prev := closeFn
		closeFn = func() { prev(); dirs.Close() }
	}
	// Revoked LDAP service accounts are locked in their directory too.
	if len(dirs) > 0 {
		svc.Directories = dirs.reviewDisablers()
	}
	if acc == nil && len(c.Catalog.Files) > 0 {
		if acc, err = c.reviewAccess(ctx, st, dirs, logger); err != nil {
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
// serve (campaign close revokes, demo requests): the fulfillers serve
// wires, writing to the directories through dirs (the caller closes them).
func (c *Config) reviewAccess(ctx context.Context, st store.Store, dirs directoryWriters, logger *slog.Logger) (*access.Service, error) {
	cat, errs := c.Catalog.effectiveCatalog(ctx, st)
	if len(errs) > 0 {
		return nil, errs
	}
	creds, err := c.Access.credentialCipher()
	if err != nil {
		return nil, err
	}
	logger = logger.With("component", "access")
	acc, err := access.NewService(st, cat, c.accessFulfillers(st, dirs, creds, logger), logger)
	if err != nil {
		return nil, err
	}
	acc.Credentials = creds
	return acc, nil
}

// fixedCatalog serves one loaded catalog to the campaign engine.
type fixedCatalog struct{ c *catalog.Catalog }

func (f fixedCatalog) Catalog() *catalog.Catalog { return f.c }

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
