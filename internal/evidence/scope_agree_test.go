package evidence

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestFreshScopeAgreesWithGeneration: a scope over most of the variables
// a grant offers (item, risk, source, department, job functions, status,
// holder) selects some grants and leaves others out for each clause. The
// workbook's fresh evaluation right after generation finds exactly the
// generated population: the exported matching is generation's.
func TestFreshScopeAgreesWithGeneration(t *testing.T) {
	st := gormtest.SQLite(t)
	ctx := t.Context()
	clk := &testClock{t: time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)}
	ids, err := identity.New(identity.Config{
		Sources: map[string]identity.SourceRole{"hr": identity.RoleHR},
		Rules:   []identity.Rule{{Name: "analyst", JobFunction: "finance-analyst", When: `person.title.contains("Analyst")`}},
	}, st)
	must(t, "identity", err)
	ids.Now = clk.Now
	res, err := ids.Apply(ctx, identity.Batch{Source: "hr", Changes: []identity.Change{
		hrRecord("olga", "Finance", "Controller", ""), hrRecord("dana", "Finance", "Financial Analyst", "olga"),
		hrRecord("fred", "Finance", "Clerk", "olga"), hrRecord("sam", "Sales", "Sales Analyst", "olga"), hrRecord("zoe", "Finance", "Financial Analyst", "olga"),
	}})
	if err != nil || len(res.Rejected) > 0 {
		t.Fatalf("apply: %v %+v", err, res.Rejected)
	}
	people := map[string]string{}
	for _, a := range res.Applied {
		people[a.ExternalID] = a.PersonID
	}
	cat := &catalog.Catalog{Items: []catalog.Item{
		{ItemSpec: policy.ItemSpec{ID: "ledger", Name: "Ledger", Kind: "app-role", Risk: policy.RiskHigh, OwnerID: people["olga"]}, Fulfillment: catalog.Fulfillment{Type: "manual"}},
		{ItemSpec: policy.ItemSpec{ID: "wiki", Name: "Wiki", Kind: "group", Risk: policy.RiskLow, OwnerID: people["olga"]}, Fulfillment: catalog.Fulfillment{Type: "manual"}},
	}}
	grant := func(item, holder, assurance string) {
		t.Helper()
		_, err := st.CreateGrant(ctx, store.Grant{ItemID: item, HolderID: people[holder], Assurance: assurance, Start: clk.Now().Add(-time.Hour),
			End: clk.Now().Add(365 * 24 * time.Hour), State: store.GrantActive, FulfillmentStatus: "done", CreatedAt: clk.Now()})
		must(t, "grant", err)
	}
	grant("ledger", "dana", store.AssuranceApproved)   // in scope
	grant("ledger", "fred", store.AssuranceApproved)   // no job function
	grant("ledger", "sam", store.AssuranceApproved)    // other department
	grant("wiki", "dana", store.AssuranceApproved)     // low risk
	grant("ledger", "dana", store.AssuranceBirthright) // birthright
	grant("ledger", "zoe", store.AssuranceImported)    // in scope
	grant("ledger", "olga", store.AssuranceApproved)   // named out
	svc, err := review.NewService(st, []review.Definition{{
		Name: "rich", Kind: store.CampaignGrants,
		Scope: `grant.risk == "high" && grant.source != "birthright" && grant.department == "Finance" && "finance-analyst" in grant.jobFunctions && ` +
			`grant.status == "active" && grant.holder != "olga" && !grant.holderNHI && grant.kind == "app-role"`,
		Stages: []review.Stage{{Name: "manager", Reviewers: []string{"manager"}}}, Duration: 14 * 24 * time.Hour,
	}})
	must(t, "review", err)
	svc.Catalog, svc.Now = fixedCatalog{cat}, clk.Now
	c, err := svc.Start(ctx, "rich", "schedule", review.StartOptions{})
	must(t, "start", err)
	if c.Generated != 2 {
		t.Fatalf("generated %d, want 2 (dana's and zoe's ledger)", c.Generated)
	}
	ex := &Exporter{Key: testKey(t, 13), Generator: "syncd test", Now: clk.Now, Population: reviewPopulation(svc)}
	check := func(when string) {
		t.Helper()
		var buf bytes.Buffer
		must(t, "export", ex.ExportCampaign(ctx, st, c.ID, nil, &buf))
		path := filepath.Join(t.TempDir(), "rich.xlsx")
		must(t, "write", os.WriteFile(path, buf.Bytes(), 0o600))
		after := rowsOf(t, openBook(t, path), "Population after remediation")
		reviewed := 0
		for _, r := range after.rows {
			if after.get(r, "Grant") == "" {
				continue
			}
			if after.get(r, "Review item") == "" || after.get(r, "In scope") != "yes" {
				t.Errorf("%s: in the evaluated scope but not generated: %q", when, r)
			}
			reviewed++
		}
		if reviewed != 2 {
			t.Fatalf("%s: %d reviewed rows, want the 2 generated", when, reviewed)
		}
	}
	// Before the close: evaluated at export; at the close: evaluated then
	// and stored. Both agree with generation.
	check("active")
	_, err = svc.Close(ctx, c.ID, "test")
	must(t, "close", err)
	check("closed")
}
