package review_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestNoSelfReviewThroughTheService drives every path that assigns a
// reviewer (generation with groups and fallbacks that contain the holder,
// reassignment, escalation, the cap's fallback, a later stage) over
// random grants, and checks the holder never reviews, nor decides, their
// own access.
func TestNoSelfReviewThroughTheService(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		clk := newClock()
		ids := loadOrg(t, identityService(t, st, clk.Now), smallOrg)
		cat := testCatalog(ids)
		// Groups that hold the holders themselves.
		cat.ApproverGroups["everyone"] = []string{ids["olga"], ids["dana"], ids["fred"], ids["sam"], ids["devon"], ids["pat"], ids["eve"], ids["mia"]}
		cat.ApproverGroups["self"] = []string{ids["olga"]}
		r := rand.New(rand.NewPCG(1, 2))
		logins := []string{"olga", "mia", "eve", "dana", "fred", "sam", "devon", "pat"}
		for range 40 {
			item := []string{"finance-reports", "payroll-admin", "wiki"}[r.IntN(3)]
			grant(t, st, item, ids[logins[r.IntN(len(logins))]], store.AssuranceApproved, clk.Now().Add(-time.Hour))
		}
		def := review.Definition{
			Name: "all", Kind: store.CampaignGrants, FallbackGroup: "everyone",
			Stages: []review.Stage{
				{Reviewers: []string{"group:self", "person:olga", "item-owner"}, Fallback: []string{"manager-of-manager", "group:everyone"}, Advance: "all"},
				{Reviewers: []string{"manager"}, Fallback: []string{"group:self"}},
			},
			Duration: 14 * 24 * time.Hour, Default: review.Default{Action: review.DefaultRevoke, CapPercent: 10},
			Escalation: review.Escalation{After: 24 * time.Hour, To: []string{"group:everyone", "person:olga"}, Mode: "replace"},
		}
		svc := newService(t, st, cat, clk, def)
		check := func(stage string) {
			t.Helper()
			for _, it := range items(t, st, mustCampaign(t, st)) {
				if slices.Contains(it.ReviewerIDs, it.HolderID) {
					t.Fatalf("%s: item %d is reviewed by its holder %s (route %s)", stage, it.ID, it.HolderID, it.Route)
				}
				if it.DecidedBy != "" && it.DecidedBy == it.HolderID {
					t.Fatalf("%s: item %d decided by its holder", stage, it.ID)
				}
			}
		}
		c, err := svc.Start(ctx, "all", "test", review.StartOptions{})
		must(t, "start", err)
		check("generated")
		for _, it := range items(t, st, c.ID) {
			// The holder can neither decide nor be given the item.
			_, err := svc.Decide(ctx, review.Actor{PersonID: it.HolderID}, it.ID, review.Decision{Decision: store.DecisionCertify, Justification: "mine"})
			if !errors.Is(err, review.ErrForbidden) {
				t.Fatalf("holder decided on item %d: %v", it.ID, err)
			}
			if len(it.ReviewerIDs) > 0 && r.IntN(2) == 0 {
				_, err := svc.Decide(ctx, review.Actor{PersonID: it.ReviewerIDs[0]}, it.ID, review.Decision{Decision: store.DecisionReassign, Justification: "yours", ReassignTo: it.HolderID})
				if !errors.Is(err, review.ErrForbidden) {
					t.Fatalf("item %d reassigned to its holder: %v", it.ID, err)
				}
			}
		}
		clk.Add(2 * 24 * time.Hour) // escalation (replace) runs
		must(t, "tick", svc.Tick(ctx))
		check("escalated")
		clk.Add(6 * 24 * time.Hour) // stage 1 closes: the cap escalates, then items advance
		must(t, "tick", svc.Tick(ctx))
		check("cap escalation")
		clk.Add(15 * 24 * time.Hour)
		must(t, "tick", svc.Tick(ctx))
		check("second stage")
		clk.Add(30 * 24 * time.Hour)
		must(t, "tick", svc.Tick(ctx))
		check("closed")
	})
}

func mustCampaign(t *testing.T, st store.Store) string {
	t.Helper()
	cs, err := st.ListCampaigns(t.Context(), store.CampaignQuery{Definition: "all"})
	if err != nil || len(cs) != 1 {
		t.Fatalf("campaigns: %v %d", err, len(cs))
	}
	return cs[0].ID
}
