package main

import (
	"context"

	"github.com/syncd-dev/syncd/internal/evidence"
	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
)

// evidenceScope compiles a campaign's stored scope with the campaign
// engine's own matching and the catalog in force, for the workbook's
// Population after remediation.
func (c Config) evidenceScope(ctx context.Context, st store.Store) (func(store.Campaign) (evidence.Scope, error), error) {
	defs, errs := c.campaignDefinitions()
	if len(errs) > 0 {
		return nil, errs
	}
	svc, err := review.NewService(st, defs)
	if err != nil {
		return nil, err
	}
	if len(c.Catalog.Files) > 0 {
		cat, errs := c.Catalog.effectiveCatalog(ctx, st)
		if len(errs) > 0 {
			return nil, errs
		}
		svc.Catalog = fixedCatalog{cat}
	}
	return func(cm store.Campaign) (evidence.Scope, error) { return svc.CampaignScope(cm) }, nil
}
