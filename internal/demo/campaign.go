package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
)

// CampaignSummary says what SeedCampaign did.
type CampaignSummary struct {
	ID                                  string
	Items, Certified, Revoked, Verified int
}

// SeedCampaign starts a campaign of definition (the demo's NHI owner
// review, which remediates at once) and plays part of it through the
// review service, as its reviewers would: a quarter of the items
// certified, a quarter revoked (the NHIs retired), the rest left
// undecided. The directory pull that follows (a recorded run of each
// source concerned) verifies the revocations, so a newcomer sees every
// state at once.
func SeedCampaign(ctx context.Context, st store.Store, svc *review.Service, definition string) (CampaignSummary, error) {
	c, err := svc.Start(ctx, definition, "demo", review.StartOptions{})
	if err != nil {
		return CampaignSummary{}, fmt.Errorf("demo: campaign: %w", err)
	}
	sum := CampaignSummary{ID: c.ID}
	its, err := st.ListReviewItems(ctx, store.ReviewItemQuery{CampaignID: c.ID, Limit: 1000})
	if err != nil {
		return sum, fmt.Errorf("demo: campaign: %w", err)
	}
	sum.Items = len(its)
	sources := map[string]bool{}
	for i, it := range its {
		if len(it.ReviewerIDs) == 0 {
			continue
		}
		by := review.Actor{PersonID: it.ReviewerIDs[0], Issuer: "demo", Subject: it.ReviewerIDs[0]}
		switch i % 4 {
		case 0:
			if _, err := svc.Decide(ctx, by, it.ID, review.Decision{Decision: store.DecisionCertify, Justification: "Still in use by its team"}); err != nil {
				return sum, fmt.Errorf("demo: campaign: %w", err)
			}
			sum.Certified++
		case 1:
			got, err := svc.Decide(ctx, by, it.ID, review.Decision{Decision: store.DecisionRevoke, Justification: "Nobody needs it any more"})
			if err != nil {
				return sum, fmt.Errorf("demo: campaign: %w", err)
			}
			sum.Revoked++
			if src := got.Remediation.VerifySource; src != "" {
				sources[src] = true
			}
		}
	}
	for src := range sources {
		start := time.Now().UTC()
		fin := start.Add(2 * time.Second)
		run, err := st.CreateSyncRun(ctx, store.SyncRun{Source: src, Mode: "full", Status: store.RunSucceeded, StartedAt: start, FinishedAt: &fin})
		if err != nil {
			return sum, fmt.Errorf("demo: campaign: %w", err)
		}
		n, err := svc.VerifyAfterSync(ctx, run.ID)
		if err != nil {
			return sum, fmt.Errorf("demo: campaign: %w", err)
		}
		sum.Verified += n
	}
	return sum, nil
}
