package review_test

import (
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

func TestCampaignDecideAndDeadline(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		clk := newClock()
		ids := loadOrg(t, identityService(t, st, clk.Now), smallOrg)
		cat := testCatalog(ids)
		start := clk.Now().Add(-30 * 24 * time.Hour)
		gDana := grant(t, st, "finance-reports", ids["dana"], store.AssuranceApproved, start)
		gSam := grant(t, st, "finance-reports", ids["sam"], store.AssuranceApproved, start) // a sales rep: not justified
		gPay := grant(t, st, "payroll-admin", ids["fred"], store.AssuranceImported, start)
		grant(t, st, "wiki", ids["devon"], store.AssuranceBirthright, start) // out of scope
		gOlga := grant(t, st, "wiki", ids["olga"], store.AssuranceApproved, start)
		svc := newService(t, st, cat, clk, quarterly())
		rev, _ := accessRevoker(t, st, cat, nil, clk.Now)
		svc.Revoker = rev

		c, err := svc.Start(ctx, "quarterly-access", "person:"+ids["eve"], review.StartOptions{})
		must(t, "start", err)
		if c.State != store.CampaignActive || c.Generated != 4 {
			t.Fatalf("started %+v", c)
		}
		byGrant := map[string]store.ReviewItem{}
		for _, it := range items(t, st, c.ID) {
			byGrant[it.GrantID] = it
		}
		if it := byGrant[gSam.ID]; it.Recommendation != store.RecommendRevoke || !strings.Contains(it.Reason, "no longer justifies") || it.ReviewerIDs[0] != ids["mia"] {
			t.Fatalf("sam's item: %+v", it)
		}
		if it := byGrant[gDana.ID]; it.Recommendation != store.RecommendKeep || it.ReviewerIDs[0] != ids["olga"] {
			t.Fatalf("dana's item: %+v", it)
		}
		// olga has no manager: the item owner of wiki (eve) reviews.
		if it := byGrant[gOlga.ID]; it.ReviewerIDs[0] != ids["eve"] || it.Route != "fallback:item-owner" {
			t.Fatalf("olga's item: %+v", it)
		}
		olga := review.Actor{PersonID: ids["olga"], Issuer: "https://idp", Subject: "olga-sub"}
		_, err = svc.Decide(ctx, olga, byGrant[gPay.ID].ID, review.Decision{Decision: store.DecisionCertify})
		if err == nil {
			t.Fatal("certifying a high-risk item without a justification was accepted")
		}
		_, err = svc.Decide(ctx, review.Actor{PersonID: ids["mia"]}, byGrant[gPay.ID].ID, review.Decision{Decision: store.DecisionCertify, Justification: "x"})
		if err == nil {
			t.Fatal("a non-reviewer decided")
		}
		got, err := svc.Decide(ctx, olga, byGrant[gPay.ID].ID, review.Decision{Decision: store.DecisionRevoke, Justification: "left payroll"})
		must(t, "revoke", err)
		if got.DecidedIssuer != "https://idp" || got.DecidedSubject != "olga-sub" || got.State != store.ItemDecided {
			t.Fatalf("decided %+v", got)
		}
		// Changeable until the stage closes.
		_, err = svc.Decide(ctx, olga, byGrant[gPay.ID].ID, review.Decision{Decision: store.DecisionCertify, Justification: "still needed"})
		must(t, "change", err)
		_, err = svc.Decide(ctx, olga, byGrant[gPay.ID].ID, review.Decision{Decision: store.DecisionRevoke, Justification: "no, gone"})
		must(t, "change back", err)
		hist, err := st.ListReviewDecisions(ctx, "", byGrant[gPay.ID].ID, 0, 0)
		must(t, "history", err)
		if len(hist) != 3 || hist[0].RecommendationShown == "" {
			t.Fatalf("history %+v", hist)
		}

		// The deadline: defaults (recommendation: revoke sam's, keep dana's and olga's).
		clk.Add(15 * 24 * time.Hour)
		must(t, "tick", svc.Tick(ctx))
		c, err = st.GetCampaign(ctx, c.ID)
		must(t, "get", err)
		if c.State != store.CampaignClosed {
			t.Fatalf("campaign %s after the deadline", c.State)
		}
		final := map[string]store.ReviewItem{}
		for _, it := range items(t, st, c.ID) {
			final[it.GrantID] = it
			if it.State != store.ItemFinal {
				t.Errorf("item %d is %s", it.ID, it.State)
			}
		}
		if it := final[gSam.ID]; it.Decision != store.DecisionRevoke || !it.Defaulted || it.Remediation.State != store.RemediationNotVerifiable || it.Remediation.Adapter != "manual" ||
			!strings.Contains(it.Remediation.Reason, "manual fulfillment") || it.Remediation.FulfilledAt == nil {
			t.Fatalf("sam after the deadline: %+v", it)
		}
		if it := final[gDana.ID]; it.Decision != store.DecisionCertify || !it.Defaulted {
			t.Fatalf("dana after the deadline: %+v", it)
		}
		if it := final[gPay.ID]; it.Decision != store.DecisionRevoke || it.Defaulted || it.Remediation.State != store.RemediationNotVerifiable {
			t.Fatalf("payroll after the deadline: %+v", it)
		}
		for _, id := range []string{gSam.ID, gPay.ID} {
			g, err := st.GetGrant(ctx, id)
			must(t, "grant", err)
			if g.State != store.GrantRevoked {
				t.Errorf("grant %s is %s after the campaign revoked it", id, g.State)
			}
		}
		_, err = svc.Decide(ctx, olga, byGrant[gPay.ID].ID, review.Decision{Decision: store.DecisionCertify, Justification: "too late"})
		if err == nil {
			t.Fatal("a decision changed after its stage closed")
		}
		stat, err := svc.Status(ctx, c.ID)
		must(t, "status", err)
		if stat.Total != 4 || stat.Revoked != 2 || stat.Certified != 2 || stat.Defaulted != 3 || stat.Remediation.NotVerifiable != 2 || stat.Remediation.Fulfilled != 0 {
			t.Fatalf("status %+v", stat)
		}
		// A second tick changes nothing.
		must(t, "tick again", svc.Tick(ctx))
		again, err := svc.Status(ctx, c.ID)
		must(t, "status", err)
		if again.Defaulted != stat.Defaulted || again.Revoked != stat.Revoked {
			t.Fatalf("second tick changed the campaign: %+v", again)
		}
	})
}
