package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/syncd-dev/syncd/internal/demo"
	"github.com/syncd-dev/syncd/internal/store"
)

// demoCampaigns are the campaign definitions of configs/demo.yaml (and
// configs/syncd.example.yaml), with the demo catalog's groups as
// fallbacks. The NHI review remediates at once, so the demo shows
// verified take-backs without waiting for a deadline.
func demoCampaigns() []CampaignConfig {
	day := func(n int) Duration { return Duration(time.Duration(n) * 24 * time.Hour) }
	return []CampaignConfig{
		{
			Name: "quarterly-access", Description: "Managers recertify every requested and imported grant each quarter.",
			Kind: "grants", Scope: `grant.source in ["requested", "imported"]`,
			Stages:    []CampaignStage{{Name: "manager", Reviewers: []string{"manager"}, Fallback: []string{"manager-of-manager", "item-owner"}, Duration: day(14)}},
			Schedule:  CampaignSchedule{Frequency: "quarterly", Start: "2026-01-01"},
			Default:   CampaignDefault{Action: "recommendation", CapPercent: 20, CapItems: 500},
			Reminders: []Duration{day(7), day(2)}, Escalation: CampaignEscalation{After: day(10), To: []string{"manager-of-manager"}, Mode: "add"},
			Remediate: "stage-close", UnverifiedAfter: Duration(72 * time.Hour), FallbackGroup: "platform-approvers",
			Recommend: CampaignRecommend{UnusedDays: 90, PeerPercent: 10},
		},
		{
			Name: "high-risk-monthly", Description: "Item owners review every high or critical grant each month; security confirms revocations.",
			Kind: "grants", Scope: `grant.risk in ["high", "critical"]`,
			Stages: []CampaignStage{
				{Name: "owner", Reviewers: []string{"item-owner"}, Fallback: []string{"group:finance-leads"}, Duration: day(7), Advance: "revoked"},
				{Name: "confirm", Reviewers: []string{"group:platform-approvers"}, Duration: day(3)},
			},
			Schedule:  CampaignSchedule{Frequency: "monthly", Start: "2026-01-01"},
			Default:   CampaignDefault{Action: "keep"},
			Reminders: []Duration{Duration(48 * time.Hour)}, FallbackGroup: "platform-approvers",
		},
		{
			Name: "nhi-owner-quarterly", Description: "Owners recertify their non-human identities each quarter.",
			Kind: "nhis", Scope: `nhi.status == "active"`,
			Stages:    []CampaignStage{{Name: "owner", Reviewers: []string{"nhi-owner"}, Fallback: []string{"manager"}, Duration: day(14)}},
			Schedule:  CampaignSchedule{Frequency: "quarterly", Start: "2026-01-15"},
			Default:   CampaignDefault{Action: "recommendation", CapPercent: 25},
			Remediate: "immediately", UnverifiedAfter: Duration(72 * time.Hour), FallbackGroup: "platform-approvers",
			Recommend: CampaignRecommend{UnusedDays: 90},
		},
		{
			Name: "mover", Description: "A mover's new manager reviews the grants the new job function no longer justifies.",
			Kind:    "mover",
			Stages:  []CampaignStage{{Name: "new-manager", Reviewers: []string{"manager"}, Fallback: []string{"item-owner"}}},
			Grace:   day(14),
			Default: CampaignDefault{Action: "recommendation", CapPercent: 100}, FallbackGroup: "platform-approvers",
		},
	}
}

// seedDemoCampaign starts the demo's NHI owner review, partly decided, if
// no campaign exists yet.
func seedDemoCampaign(ctx context.Context, out io.Writer, st store.Store, cfg Config, logger *slog.Logger) error {
	cs, err := st.ListCampaigns(ctx, store.CampaignQuery{Definition: "nhi-owner-quarterly", Limit: 1})
	if err != nil || len(cs) > 0 {
		return err
	}
	svc, closeFn, err := cfg.reviewService(ctx, st, nil, nil, logger)
	if err != nil {
		return err
	}
	defer closeFn()
	sum, err := demo.SeedCampaign(ctx, st, svc, "nhi-owner-quarterly")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Started campaign %s (NHI owner review): %d items, %d certified, %d revoked (%d verified by the next sync), the rest waiting.\n",
		sum.ID, sum.Items, sum.Certified, sum.Revoked, sum.Verified)
	return nil
}
