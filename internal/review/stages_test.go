package review_test

import (
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestStagesAdvanceTheChosenItems: stage 1 (item owner) advances only
// what it revoked to stage 2 (security), which sees the earlier decision
// in the history; certified items are final at stage 1's close.
func TestStagesAdvanceTheChosenItems(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		clk := newClock()
		ids := loadOrg(t, identityService(t, st, clk.Now), smallOrg)
		cat := testCatalog(ids)
		gDana := grant(t, st, "payroll-admin", ids["dana"], store.AssuranceApproved, clk.Now().Add(-time.Hour))
		gFred := grant(t, st, "payroll-admin", ids["fred"], store.AssuranceApproved, clk.Now().Add(-time.Hour))
		def := review.Definition{Name: "high-risk", Kind: store.CampaignGrants, Scope: `grant.risk == "high"`,
			Stages: []review.Stage{
				{Reviewers: []string{"item-owner"}, Duration: 7 * 24 * time.Hour, Advance: "revoked"},
				{Reviewers: []string{"group:security"}, Duration: 3 * 24 * time.Hour},
			},
			Default: review.Default{Action: review.DefaultKeep}}
		svc := newService(t, st, cat, clk, def)
		rev, _ := accessRevoker(t, st, cat, nil, clk.Now)
		svc.Revoker = rev
		c, err := svc.Start(ctx, def.Name, "test", review.StartOptions{})
		must(t, "start", err)
		olga := review.Actor{PersonID: ids["olga"]}
		byGrant := map[string]store.ReviewItem{}
		for _, it := range items(t, st, c.ID) {
			byGrant[it.GrantID] = it
		}
		_, err = svc.Decide(ctx, olga, byGrant[gDana.ID].ID, review.Decision{Decision: store.DecisionCertify, Justification: "payroll lead"})
		must(t, "certify", err)
		_, err = svc.Decide(ctx, olga, byGrant[gFred.ID].ID, review.Decision{Decision: store.DecisionRevoke, Justification: "left payroll"})
		must(t, "revoke", err)

		clk.Add(8 * 24 * time.Hour)
		must(t, "tick", svc.Tick(ctx))
		c, err = st.GetCampaign(ctx, c.ID)
		must(t, "campaign", err)
		if c.Stage != 1 || c.State != store.CampaignActive {
			t.Fatalf("after stage 1: stage %d %s", c.Stage, c.State)
		}
		dana, _ := st.GetReviewItem(ctx, byGrant[gDana.ID].ID)
		fred, _ := st.GetReviewItem(ctx, byGrant[gFred.ID].ID)
		if dana.State != store.ItemFinal || dana.Decision != store.DecisionCertify {
			t.Fatalf("certified item after stage 1: %+v", dana)
		}
		if fred.Stage != 1 || fred.State != store.ItemPending || fred.Decision != "" || fred.Remediation.State != "" {
			t.Fatalf("revoked item after stage 1: %+v", fred)
		}
		hist, err := st.ListReviewDecisions(ctx, "", fred.ID, 0, 0)
		must(t, "history", err)
		if len(hist) != 1 || hist[0].Decision != store.DecisionRevoke || hist[0].Stage != 0 {
			t.Fatalf("stage 2 sees %+v", hist)
		}
		// Stage 2 confirms the revoke; it is carried out when stage 2 closes.
		_, err = svc.Decide(ctx, review.Actor{PersonID: ids["eve"]}, fred.ID, review.Decision{Decision: store.DecisionRevoke, Justification: "confirmed"})
		must(t, "confirm", err)
		clk.Add(4 * 24 * time.Hour)
		must(t, "tick", svc.Tick(ctx))
		fred, _ = st.GetReviewItem(ctx, fred.ID)
		if fred.State != store.ItemFinal || fred.Remediation.State != store.RemediationNotVerifiable {
			t.Fatalf("after stage 2: %+v", fred)
		}
		g, _ := st.GetGrant(ctx, gFred.ID)
		if g.State != store.GrantRevoked {
			t.Fatalf("grant %s", g.State)
		}
	})
}
