package review_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestCapEscalatesInsteadOfRevoking: a revoke default that would take the
// item from 8 of its 10 holders (80%) revokes at most the cap (50%); the
// items above it escalate to the fallback group first, and what the
// fallback leaves undecided is kept and reported, never revoked.
func TestCapEscalatesInsteadOfRevoking(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		clk := newClock()
		org := []person{{"boss", "Ops", "Head", ""}, {"aud", "Audit", "Auditor", ""}}
		for i := range 10 {
			org = append(org, person{fmt.Sprintf("op%02d", i), "Ops", "Operator", "boss"})
		}
		ids := loadOrg(t, identityService(t, st, clk.Now), org)
		cat := testCatalog(ids)
		cat.ApproverGroups["auditors"] = []string{ids["aud"]}
		grants := map[string]string{}
		for i := range 10 {
			g := grant(t, st, "wiki", ids[fmt.Sprintf("op%02d", i)], store.AssuranceApproved, clk.Now().Add(-time.Hour))
			grants[g.ID] = fmt.Sprintf("op%02d", i)
		}
		def := quarterly()
		def.Name, def.Scope, def.FallbackGroup = "ops-review", `grant.item == "wiki"`, "auditors"
		def.Default = review.Default{Action: review.DefaultRevoke, CapPercent: 50}
		def.Escalation = review.Escalation{After: 3 * 24 * time.Hour}
		svc := newService(t, st, cat, clk, def)
		rev, _ := accessRevoker(t, st, cat, nil, clk.Now)
		svc.Revoker = rev

		c, err := svc.Start(ctx, def.Name, "test", review.StartOptions{})
		must(t, "start", err)
		boss := review.Actor{PersonID: ids["boss"]}
		its := items(t, st, c.ID)
		for _, it := range its[:2] {
			_, err := svc.Decide(ctx, boss, it.ID, review.Decision{Decision: store.DecisionCertify})
			must(t, "certify", err)
		}

		// First deadline: 8 undecided, the cap allows 5 default revokes:
		// the 3 above it escalate, nothing is revoked yet, the stage waits.
		clk.Add(15 * 24 * time.Hour)
		must(t, "tick", svc.Tick(ctx))
		c, err = st.GetCampaign(ctx, c.ID)
		must(t, "get", err)
		if c.State != store.CampaignActive || !c.StageDueAt.After(clk.Now()) {
			t.Fatalf("campaign after the capped deadline: %s due %s", c.State, c.StageDueAt)
		}
		var escalated []store.ReviewItem
		for _, it := range items(t, st, c.ID) {
			if it.Decision == store.DecisionRevoke {
				t.Fatalf("item %d revoked by default before the escalation ran out", it.ID)
			}
			if it.State == store.ItemEscalated {
				if len(it.ReviewerIDs) != 1 || it.ReviewerIDs[0] != ids["aud"] || !it.Escalated {
					t.Fatalf("escalated item %+v", it)
				}
				escalated = append(escalated, it)
			}
		}
		if len(escalated) != 3 {
			t.Fatalf("%d items escalated, want 3", len(escalated))
		}
		notes, err := st.ListNotifications(ctx, ids["aud"], false)
		must(t, "notifications", err)
		if len(notes) != 3 {
			t.Fatalf("fallback reviewer got %d notifications, want 3", len(notes))
		}
		// The fallback reviewer certifies one of them.
		_, err = svc.Decide(ctx, review.Actor{PersonID: ids["aud"]}, escalated[0].ID, review.Decision{Decision: store.DecisionCertify, Justification: "needed for audits"})
		must(t, "fallback decides", err)

		// Second deadline: 5 revoked by default (the cap), the 2 escalated
		// items nobody decided are kept and reported.
		clk.Add(8 * 24 * time.Hour)
		must(t, "tick", svc.Tick(ctx))
		stat, err := svc.Status(ctx, c.ID)
		must(t, "status", err)
		if stat.State != "closed" || stat.Revoked != 5 || stat.Certified != 5 || stat.Defaulted != 7 || stat.Escalated != 3 {
			t.Fatalf("status %+v", stat)
		}
		reported := 0
		for _, n := range stat.Report {
			if n.Kind == "cap-escalated" {
				reported++
			}
		}
		if reported != 5 { // 3 escalated at the first deadline, 2 kept at the second
			t.Fatalf("report %+v", stat.Report)
		}
		revoked := 0
		for id := range grants {
			g, err := st.GetGrant(ctx, id)
			must(t, "grant", err)
			if g.State == store.GrantRevoked {
				revoked++
			}
		}
		if revoked > 5 {
			t.Fatalf("%d of 10 grants revoked; the cap is 50%%", revoked)
		}
	})
}

// TestCloseByHandHoldsTheCap: closing by hand applies the default at once;
// the cap still holds and the excess is kept and listed.
func TestCloseByHandHoldsTheCap(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		clk := newClock()
		org := []person{{"boss", "Ops", "Head", ""}}
		for i := range 5 {
			org = append(org, person{fmt.Sprintf("op%02d", i), "Ops", "Operator", "boss"})
		}
		ids := loadOrg(t, identityService(t, st, clk.Now), org)
		cat := testCatalog(ids)
		for i := range 5 {
			grant(t, st, "wiki", ids[fmt.Sprintf("op%02d", i)], store.AssuranceApproved, clk.Now().Add(-time.Hour))
		}
		def := quarterly()
		def.Scope = `grant.item == "wiki"`
		def.Default = review.Default{Action: review.DefaultRevoke, CapPercent: 100, CapItems: 2}
		svc := newService(t, st, cat, clk, def)
		rev, _ := accessRevoker(t, st, cat, nil, clk.Now)
		svc.Revoker = rev
		c, err := svc.Start(ctx, def.Name, "test", review.StartOptions{})
		must(t, "start", err)
		_, err = svc.Close(ctx, c.ID, "test")
		must(t, "close", err)
		stat, err := svc.Status(ctx, c.ID)
		must(t, "status", err)
		if stat.State != "closed" || stat.Revoked != 2 || stat.Certified != 3 || stat.Escalated != 3 || stat.Remediation.NotVerifiable != 2 {
			t.Fatalf("status %+v", stat)
		}
	})
}
