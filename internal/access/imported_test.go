package access_test

import (
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestDirectoryMembershipsBecomeImportedGrants: members of the directory
// group behind an ldap-group item get grants with assurance "imported"
// (once), a removed membership ends its imported grant, and a grant
// requested through syncd is left alone.
func TestDirectoryMembershipsBecomeImportedGrants(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		ids := org(t, st)
		c := &clock{time.Now().UTC()}
		cat := &catalog.Catalog{Items: []catalog.Item{{ItemSpec: policy.ItemSpec{ID: "ops-role", Name: "Ops", Kind: "group", Risk: policy.RiskLow, OwnerID: ids["pat"],
			Eligibility: policy.Eligibility{Departments: []string{"Engineering"}}, AutoApprove: &policy.Condition{JobFunctions: []string{"engineer"}}, MaxDuration: 30 * 24 * time.Hour},
			Fulfillment: catalog.Fulfillment{Type: "ldap-group", Params: map[string]string{"source": "corp", "group": "cn=ops,ou=groups,dc=example,dc=org"}}}}}
		svc, err := access.NewService(st, cat, map[string]access.Fulfiller{"ldap-group": access.Manual{}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		svc.Now = c.now
		g, err := st.CreateGroup(ctx, store.Group{Source: "corp", ExternalID: "uuid-ops", DisplayName: "ops"})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.AddGroupMembers(ctx, g.ID, []string{ids["dana"], ids["sam"]}); err != nil {
			t.Fatal(err)
		}
		// Devon asked for the role through syncd: that grant is not imported.
		if _, err := svc.Submit(ctx, access.Submission{RequesterID: ids["devon"], ItemID: "ops-role"}); err != nil {
			t.Fatal(err)
		}
		if err := st.AddGroupMembers(ctx, g.ID, []string{ids["devon"]}); err != nil {
			t.Fatal(err)
		}

		res, err := sweepAndWork(t, svc)
		if err != nil || res.Imported != 2 || len(res.Errors) > 0 {
			t.Fatalf("first sweep: %+v %v", res, err)
		}
		if res, _ = sweepAndWork(t, svc); res.Imported != 0 || res.ImportEnded != 0 {
			t.Fatalf("second sweep imported again: %+v", res)
		}
		held := func(who string) []store.Grant {
			gs, err := st.ListGrants(ctx, store.GrantQuery{HolderID: ids[who], ItemID: "ops-role"})
			if err != nil {
				t.Fatal(err)
			}
			return gs
		}
		if gs := held("dana"); len(gs) != 1 || gs[0].Assurance != store.AssuranceImported || gs[0].State != store.GrantActive {
			t.Fatalf("dana: %+v", gs)
		}
		if gs := held("devon"); len(gs) != 1 || gs[0].Assurance != store.AssuranceAutoApproved {
			t.Fatalf("devon: %+v", gs)
		}

		if err := st.RemoveGroupMembers(ctx, g.ID, []string{ids["sam"], ids["devon"]}); err != nil {
			t.Fatal(err)
		}
		if res, err = sweepAndWork(t, svc); err != nil || res.ImportEnded != 1 {
			t.Fatalf("sweep after removal: %+v %v", res, err)
		}
		if gs := held("sam"); gs[0].State != store.GrantEnded || gs[0].EndedBy != "source:corp" {
			t.Fatalf("sam after removal: %+v", gs)
		}
		if gs := held("devon"); gs[0].State == store.GrantEnded || gs[0].Assurance != store.AssuranceAutoApproved {
			t.Fatalf("a requested grant was ended by a directory change: %+v", gs)
		}
		if _, err := audit.Verify(ctx, st); err != nil {
			t.Fatal(err)
		}
	})
}

// TestExtendGoesThroughPolicy: an extension is a request from the grant's
// end, so the item's maximum applies to it and it is auto-approved only
// when policy says so.
func TestExtendGoesThroughPolicy(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		ids := org(t, st)
		c := &clock{time.Now().UTC()}
		svc := newService(t, st, ids, c)
		out, err := svc.Submit(ctx, access.Submission{RequesterID: ids["dana"], ItemID: "finance-reports", End: c.t.Add(10 * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		work(t, svc)
		if _, err := svc.ConfirmFulfillment(ctx, ids["olga"], out.Grant.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Extend(ctx, ids["dana"], out.Grant.ID, c.t.Add(5*24*time.Hour), "x"); err == nil {
			t.Fatal("an extension ending before the grant was accepted")
		}
		long, err := svc.Extend(ctx, ids["dana"], out.Grant.ID, c.t.Add(200*24*time.Hour), "quarter close")
		if err != nil || long.Request.State != store.RequestDenied || long.Decision.Rule != "window.too-long" {
			t.Fatalf("too-long extension: %+v %v", long.Decision, err)
		}
		ok, err := svc.Extend(ctx, ids["dana"], out.Grant.ID, c.t.Add(40*24*time.Hour), "quarter close")
		// The held grant is extended: never a second, parallel grant.
		if err != nil || ok.Grant == nil || ok.Grant.ID != out.Grant.ID || !ok.Grant.End.Equal(c.t.Add(40*24*time.Hour).UTC().Truncate(time.Microsecond)) ||
			ok.Request.ExtendsGrantID != out.Grant.ID || !ok.Request.Start.Equal(out.Grant.End) {
			t.Fatalf("extension: %+v %v", ok, err)
		}
		if gs, _ := st.ListGrants(ctx, store.GrantQuery{HolderID: ids["dana"], ItemID: "finance-reports"}); len(gs) != 1 {
			t.Fatalf("dana holds %d grants of the item", len(gs))
		}
	})
}
