package review_test

import (
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

func moverDefinition() review.Definition {
	return review.Definition{
		Name: "mover", Kind: store.CampaignMover, Grace: 7 * 24 * time.Hour,
		Stages:  []review.Stage{{Reviewers: []string{"manager"}, Fallback: []string{"item-owner"}}},
		Default: review.Default{Action: review.DefaultRecommendation, CapPercent: 100},
	}
}

// TestMoverMicroReview: dana moves from finance analyst to sales rep. Only
// the grant whose eligibility rested on finance-analyst is reviewed, by
// the new manager, and the default revokes it after the grace period. A
// mover whose new job still justifies everything opens nothing, and a
// second tick opens nothing twice.
func TestMoverMicroReview(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		clk := newClock()
		idsvc := identityService(t, st, clk.Now)
		ids := loadOrg(t, idsvc, smallOrg)
		cat := testCatalog(ids)
		// Birthrights: of finance analysts (dana's old job) and of
		// engineers (devon's, unchanged by the move).
		cat.Items = append(cat.Items,
			catalog.Item{ItemSpec: policy.ItemSpec{ID: "ledger", Name: "Ledger", Kind: "app-role", Risk: policy.RiskLow, OwnerID: ids["olga"]},
				Birthright: []string{"finance-analyst"}, Fulfillment: catalog.Fulfillment{Type: "manual"}},
			catalog.Item{ItemSpec: policy.ItemSpec{ID: "repo", Name: "Repositories", Kind: "group", Risk: policy.RiskLow, OwnerID: ids["eve"]},
				Birthright: []string{"engineer"}, Fulfillment: catalog.Fulfillment{Type: "manual"}})
		start := clk.Now().Add(-90 * 24 * time.Hour)
		reports := grant(t, st, "finance-reports", ids["dana"], store.AssuranceApproved, start) // rests on finance-analyst
		ledger := grant(t, st, "ledger", ids["dana"], store.AssuranceBirthright, start)         // birthright of the old job
		grant(t, st, "repo", ids["devon"], store.AssuranceBirthright, start)                    // birthright of a job still held
		grant(t, st, "payroll-admin", ids["dana"], store.AssuranceApproved, start)              // open eligibility: not about the job
		grant(t, st, "wiki", ids["dana"], store.AssuranceApproved, start)
		grant(t, st, "wiki", ids["devon"], store.AssuranceApproved, start)
		svc := newService(t, st, cat, clk, moverDefinition())
		rev, _ := accessRevoker(t, st, cat, nil, clk.Now)
		svc.Revoker = rev
		must(t, "tick before any move", svc.Tick(ctx))

		clk.Add(time.Hour)
		loadOrg(t, idsvc, []person{
			{"dana", "Sales", "Account Executive", "mia"},        // finance-analyst -> sales-rep
			{"devon", "Engineering", "Platform Engineer", "eve"}, // still an engineer: no job-function change
		})
		must(t, "tick", svc.Tick(ctx))
		must(t, "tick again", svc.Tick(ctx))
		cs, err := svc.List(ctx, "mover")
		must(t, "list", err)
		if len(cs) != 1 {
			t.Fatalf("%d mover reviews, want 1: %+v", len(cs), cs)
		}
		c := cs[0]
		if c.SubjectID != ids["dana"] || c.State != store.CampaignActive || c.MoverEvent == 0 {
			t.Fatalf("micro-review %+v", c)
		}
		its := items(t, st, c.ID)
		if len(its) != 2 || its[0].GrantID != reports.ID && its[1].GrantID != reports.ID || its[0].GrantID != ledger.ID && its[1].GrantID != ledger.ID {
			t.Fatalf("micro-review items %+v, want finance-reports and ledger", its)
		}
		it := its[0]
		if it.GrantID != reports.ID {
			it = its[1]
		}
		if it.ReviewerIDs[0] != ids["mia"] || it.Recommendation != store.RecommendRevoke || !strings.Contains(it.Reason, "moved from finance-analyst to sales-rep") {
			t.Fatalf("item %+v", it)
		}
		if !c.DueAt.Equal(clk.Now().Add(7 * 24 * time.Hour)) {
			t.Fatalf("due %s, want the grace period", c.DueAt)
		}

		// The grace period ends: the capped default (the recommendation) applies.
		clk.Add(8 * 24 * time.Hour)
		must(t, "tick", svc.Tick(ctx))
		got, err := st.GetReviewItem(ctx, it.ID)
		must(t, "item", err)
		if got.Decision != store.DecisionRevoke || !got.Defaulted || got.Remediation.State != store.RemediationNotVerifiable {
			t.Fatalf("after the grace period %+v", got)
		}
		g, err := st.GetGrant(ctx, reports.ID)
		must(t, "grant", err)
		if g.State != store.GrantRevoked {
			t.Fatalf("grant %s", g.State)
		}
	})
}
