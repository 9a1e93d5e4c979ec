package evidence

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// testClock is a clock the test moves by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixedCatalog struct{ c *catalog.Catalog }

func (f fixedCatalog) Catalog() *catalog.Catalog { return f.c }

// hrRecord is one person as the HR source asserts them.
func hrRecord(login, dept, title, manager string) identity.Change {
	r := identity.Record{ExternalID: login, Attributes: map[string]string{
		"userName": login, "displayName": strings.ToUpper(login[:1]) + login[1:], "department": dept, "title": title, "employeeNumber": "E-" + login,
	}}
	if manager != "" {
		r.Manager = &identity.ManagerRef{ExternalID: manager}
	}
	return identity.Change{Op: identity.OpUpsert, Record: r}
}

// TestCampaignWorkbookFrozenAndRescoped runs a real campaign (identity
// write path, generation, decisions, close with the take-back through the
// access service), then a grant revoked by the campaign is granted again
// and its holder moves (department, title, manager). Two exports after
// that show the holders as they were at launch, the same both times, and
// the population after remediation as it was at the close, without the
// re-granted access.
func TestCampaignWorkbookFrozenAndRescoped(t *testing.T) {
	loChecked := false
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		clk := &testClock{t: time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)}
		ids, err := identity.New(identity.Config{
			Sources: map[string]identity.SourceRole{"hr": identity.RoleHR},
			Rules: []identity.Rule{
				{Name: "finance-analyst", JobFunction: "finance-analyst", When: `person.department == "Finance" && person.title.contains("Analyst")`},
				{Name: "sales-rep", JobFunction: "sales-rep", When: `person.department == "Sales"`},
			},
		}, st)
		must(t, "identity", err)
		ids.Now = clk.Now
		apply := func(changes ...identity.Change) map[string]string {
			t.Helper()
			res, err := ids.Apply(ctx, identity.Batch{Source: "hr", Changes: changes})
			if err != nil || len(res.Rejected) > 0 {
				t.Fatalf("apply: %v %+v", err, res.Rejected)
			}
			out := map[string]string{}
			for _, a := range res.Applied {
				out[a.ExternalID] = a.PersonID
			}
			return out
		}
		people := apply(
			hrRecord("olga", "Finance", "Controller", ""), hrRecord("mia", "Sales", "Sales Director", ""),
			hrRecord("dana", "Finance", "Financial Analyst", "olga"), hrRecord("fred", "Finance", "Financial Analyst", "olga"),
		)
		cat := &catalog.Catalog{Items: []catalog.Item{
			{ItemSpec: policy.ItemSpec{ID: "finance-reports", Name: "Finance reports", Kind: "app-role", Risk: policy.RiskLow, OwnerID: people["olga"]},
				Fulfillment: catalog.Fulfillment{Type: "manual"}},
			{ItemSpec: policy.ItemSpec{ID: "wiki", Name: "Wiki", Kind: "group", Risk: policy.RiskLow, OwnerID: people["olga"]},
				Fulfillment: catalog.Fulfillment{Type: "manual"}},
		}}
		grant := func(item, holder string) store.Grant {
			t.Helper()
			now := clk.Now()
			g, err := st.CreateGrant(ctx, store.Grant{ItemID: item, HolderID: holder, Assurance: store.AssuranceApproved, Start: now.Add(-time.Hour),
				End: now.Add(365 * 24 * time.Hour), State: store.GrantActive, FulfillmentStatus: "done", CreatedAt: now})
			must(t, "grant", err)
			return g
		}
		gDana, gFred := grant("finance-reports", people["dana"]), grant("finance-reports", people["fred"])
		grant("wiki", people["dana"]) // out of scope
		accessSvc, err := access.NewService(st, cat, map[string]access.Fulfiller{"manual": access.Manual{}}, nil)
		must(t, "access", err)
		accessSvc.Now = clk.Now
		svc, err := review.NewService(st, []review.Definition{{
			Name: "finance-quarterly", Kind: store.CampaignGrants, Scope: `grant.item == "finance-reports"`,
			Stages:   []review.Stage{{Name: "manager", Reviewers: []string{"manager"}}},
			Duration: 14 * 24 * time.Hour, Default: review.Default{Action: review.DefaultKeep},
		}})
		must(t, "review", err)
		svc.Catalog, svc.Now = fixedCatalog{cat}, clk.Now
		svc.Revoker = review.RevokerFunc(func(ctx context.Context, grantID, by, reason string) error {
			if _, err := accessSvc.Revoke(ctx, grantID, by, reason); err != nil {
				return err
			}
			_, err := accessSvc.ProcessFulfillments(ctx)
			return err
		})
		key := testKey(t, 11)
		export := func(name string) string {
			t.Helper()
			ex := &Exporter{Key: key, Generator: "syncd test", Now: clk.Now, Population: reviewPopulation(svc)}
			var buf bytes.Buffer
			c, err := svc.List(ctx, "finance-quarterly")
			must(t, "list", err)
			must(t, "export", ex.ExportCampaign(ctx, st, c[0].ID, nil, &buf))
			path := filepath.Join(t.TempDir(), name)
			must(t, "write", os.WriteFile(path, buf.Bytes(), 0o600))
			if _, err := verifyFile(t, path, VerifyOptions{PublicKey: key.Public().(ed25519.PublicKey), Chain: ChainStore{Audit: st}}); err != nil {
				t.Fatalf("verify %s: %v", name, err)
			}
			return path
		}

		clk.Add(time.Hour)
		c, err := svc.Start(ctx, "finance-quarterly", "schedule", review.StartOptions{})
		must(t, "start", err)
		if c.Generated != 2 {
			t.Fatalf("generated %d items, want 2", c.Generated)
		}
		// Right after generation the fresh evaluation of the scope finds
		// exactly the generated population: the same matching code.
		f := openBook(t, export("launch.xlsx"))
		after := rowsOf(t, f, "Population after remediation")
		for _, r := range after.rows {
			if after.get(r, "Grant") != "" && (after.get(r, "Review item") == "" || after.get(r, "In scope") != "yes") {
				t.Errorf("right after generation, fresh scope and population differ: %q", r)
			}
		}

		byGrant := map[string]store.ReviewItem{}
		list, err := st.ListReviewItems(ctx, store.ReviewItemQuery{CampaignID: c.ID})
		must(t, "items", err)
		for _, it := range list {
			byGrant[it.GrantID] = it
		}
		olga := review.Actor{PersonID: people["olga"], Issuer: "https://idp", Subject: "olga-sub"}
		clk.Add(24 * time.Hour)
		_, err = svc.Decide(ctx, olga, byGrant[gDana.ID].ID, review.Decision{Decision: store.DecisionRevoke, Justification: "no longer needed"})
		must(t, "revoke", err)
		_, err = svc.Decide(ctx, olga, byGrant[gFred.ID].ID, review.Decision{Decision: store.DecisionCertify, Justification: "month-end close"})
		must(t, "certify", err)
		clk.Add(24 * time.Hour)
		c, err = svc.Close(ctx, c.ID, "person:"+people["olga"])
		must(t, "close", err)
		svc.Wait()
		must(t, "tick", svc.Tick(ctx))
		if g, err := st.GetGrant(ctx, gDana.ID); err != nil || g.State != store.GrantRevoked {
			t.Fatalf("dana's grant after close: %+v %v", g.State, err)
		}

		// After the campaign: dana gets the item again, then moves to
		// Sales under mia with another title; fred leaves.
		clk.Add(24 * time.Hour)
		regrant := grant("finance-reports", people["dana"])
		clk.Add(24 * time.Hour)
		apply(hrRecord("dana", "Sales", "Account Executive", "mia"))
		first := export("first.xlsx")
		clk.Add(24 * time.Hour)
		second := export("second.xlsx")

		f1, f2 := openBook(t, first), openBook(t, second)
		l1, l2 := rowsOf(t, f1, "Population at launch"), rowsOf(t, f2, "Population at launch")
		if len(l1.rows) != 2 || strings.Join(flatten(l1.rows), "|") != strings.Join(flatten(l2.rows), "|") {
			t.Fatalf("two exports disagree on the launch population:\n%q\n%q", l1.rows, l2.rows)
		}
		for _, r := range l1.rows {
			if l1.get(r, "Grant") != gDana.ID {
				continue
			}
			for k, v := range map[string]string{"Holder": "Dana", "Department": "Finance", "Title": "Financial Analyst", "Manager": "Olga",
				"Manager id": people["olga"], "Employee number": "E-dana", "Holder status": "active", "Job functions at launch": "finance-analyst"} {
				if got := l1.get(r, k); got != v {
					t.Errorf("dana at launch: %s = %q, want %q", k, got, v)
				}
			}
		}
		sum := sheetMap(t, f1, "Summary")
		if !strings.Contains(sum["Holder details (employee number, title, manager, status) as of"], "launch: audit event") {
			t.Errorf("summary: %q", sum["Holder details (employee number, title, manager, status) as of"])
		}

		// The population after remediation is the one at close: dana's
		// grant still held then (the take-back runs after the close
		// commits), fred's certified; not the re-granted one.
		after = rowsOf(t, f1, "Population after remediation")
		found := map[string][]string{}
		footer := map[string]string{}
		for _, r := range after.rows {
			switch {
			case after.get(r, "Grant") != "":
				found[after.get(r, "Grant")] = r
			case len(r) > 3:
				footer[r[0]] = r[3]
			}
		}
		if r := found[gDana.ID]; after.get(r, "Revoked and still held") != "yes" || after.get(r, "Decision") != "revoke" || after.get(r, "Department") != "Finance" {
			t.Errorf("dana's revoked grant: %q", r)
		}
		if r := found[gFred.ID]; after.get(r, "Decision") != "certify" || after.get(r, "In scope") != "yes" {
			t.Errorf("fred's certified grant: %q", r)
		}
		if r, ok := found[regrant.ID]; ok || len(found) != 2 {
			t.Errorf("the grant given after the close is listed: %q (%d rows)", r, len(found))
		}
		if footer["In scope"] != "2" || footer["Revoked by this campaign and still held"] != "1" || footer["Population evaluated"] != "at campaign close" {
			t.Errorf("footer: %v", footer)
		}
		// LibreOffice renders it, and its re-save still verifies and still
		// has dana's row (once: it does not depend on the database).
		if testing.Short() || loChecked {
			return
		}
		loChecked = true
		if text := pdfText(t, libreOffice(t, first, "pdf")); !strings.Contains(text, "Population after remediation") {
			t.Errorf("the PDF lacks the sheet Population after remediation")
		}
		resaved := libreOffice(t, first, "xlsx")
		if _, err := verifyFile(t, resaved, VerifyOptions{PublicKey: key.Public().(ed25519.PublicKey)}); err != nil {
			t.Errorf("LibreOffice re-save: %v", err)
		}
		lo := rowsOf(t, openBook(t, resaved), "Population after remediation")
		ok := false
		for _, r := range lo.rows {
			ok = ok || (lo.get(r, "Grant") == gDana.ID && lo.get(r, "Revoked and still held") == "yes")
		}
		if !ok {
			t.Errorf("the LibreOffice re-save lacks dana's row: %q", lo.rows)
		}
	})
}

func openBook(t *testing.T, path string) *excelize.File {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func flatten(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, strings.Join(r, ","))
	}
	return out
}

func must(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
