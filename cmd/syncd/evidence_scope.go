package main

import (
	"context"

	"github.com/syncd-dev/syncd/internal/evidence"
	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
)

// evidencePopulation evaluates a campaign's stored scope with the campaign
// engine's own code and the catalog in force, for the workbook's
// Population after remediation of a campaign without a population stored
// at its close (not closed yet, or closed before syncd stored it).
func (c Config) evidencePopulation(ctx context.Context, st store.Store) (evidence.PopulationFunc, error) {
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
	return func(ctx context.Context, src evidence.CampaignSource, cm store.Campaign, fn func([]store.ClosePopulationRow) error) (string, error) {
		scope, _, err := svc.EvaluatePopulation(ctx, src, cm, fn)
		return scope, err
	}, nil
}
