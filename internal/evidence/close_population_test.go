package evidence

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestPopulationAfterRemediationIsAtClose: a real campaign is closed
// (dana's grant revoked, fred's certified); after the close the take-back
// removes dana's grant, zoe gets the item (in scope) and fred's grant is
// revoked. The export a week later shows, on the Population after
// remediation, the population as it was at close: dana's and fred's
// grants, dana's flagged as revoked and still held at close, and not
// zoe's; the Summary says it was evaluated at the close.
func TestPopulationAfterRemediationIsAtClose(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		clk := &testClock{t: time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)}
		ids, err := identity.New(identity.Config{Sources: map[string]identity.SourceRole{"hr": identity.RoleHR}}, st)
		must(t, "identity", err)
		ids.Now = clk.Now
		res, err := ids.Apply(ctx, identity.Batch{Source: "hr", Changes: []identity.Change{
			hrRecord("olga", "Finance", "Controller", ""), hrRecord("dana", "Finance", "Financial Analyst", "olga"),
			hrRecord("fred", "Finance", "Financial Analyst", "olga"), hrRecord("zoe", "Finance", "Financial Analyst", "olga"),
		}})
		if err != nil || len(res.Rejected) > 0 {
			t.Fatalf("apply: %v %+v", err, res.Rejected)
		}
		people := map[string]string{}
		for _, a := range res.Applied {
			people[a.ExternalID] = a.PersonID
		}
		cat := &catalog.Catalog{Items: []catalog.Item{
			{ItemSpec: policy.ItemSpec{ID: "finance-reports", Name: "Finance reports", Kind: "app-role", Risk: policy.RiskHigh, OwnerID: people["olga"]},
				Fulfillment: catalog.Fulfillment{Type: "manual"}},
		}}
		grant := func(holder string) store.Grant {
			t.Helper()
			now := clk.Now()
			g, err := st.CreateGrant(ctx, store.Grant{ItemID: "finance-reports", HolderID: people[holder], Assurance: store.AssuranceApproved,
				Start: now.Add(-time.Hour), End: now.Add(365 * 24 * time.Hour), State: store.GrantActive, FulfillmentStatus: "done", CreatedAt: now})
			must(t, "grant", err)
			return g
		}
		gDana, gFred := grant("dana"), grant("fred")
		accessSvc, err := access.NewService(st, cat, map[string]access.Fulfiller{"manual": access.Manual{}}, nil)
		must(t, "access", err)
		accessSvc.Now = clk.Now
		svc, err := review.NewService(st, []review.Definition{{
			Name: "finance", Kind: store.CampaignGrants, Scope: `grant.item == "finance-reports"`,
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

		clk.Add(time.Hour)
		c, err := svc.Start(ctx, "finance", "schedule", review.StartOptions{})
		must(t, "start", err)
		its, err := st.ListReviewItems(ctx, store.ReviewItemQuery{CampaignID: c.ID})
		must(t, "items", err)
		olga := review.Actor{PersonID: people["olga"], Issuer: "https://idp", Subject: "olga-sub"}
		clk.Add(24 * time.Hour)
		for _, it := range its {
			d := review.Decision{Decision: store.DecisionCertify, Justification: "needed"}
			if it.GrantID == gDana.ID {
				d = review.Decision{Decision: store.DecisionRevoke, Justification: "left the team"}
			}
			_, err := svc.Decide(ctx, olga, it.ID, d)
			must(t, "decide", err)
		}
		clk.Add(24 * time.Hour)
		c, err = svc.Close(ctx, c.ID, "person:"+people["olga"])
		must(t, "close", err)
		closedAt := *c.ClosedAt
		svc.Wait()
		must(t, "tick", svc.Tick(ctx))

		// After the close: the take-back removed dana's grant; zoe gets
		// the item; fred's grant is revoked.
		if g, err := st.GetGrant(ctx, gDana.ID); err != nil || g.State != store.GrantRevoked {
			t.Fatalf("dana's grant after the close: %v %v", g.State, err)
		}
		clk.Add(24 * time.Hour)
		gZoe := grant("zoe")
		_, err = accessSvc.Revoke(ctx, gFred.ID, "person:"+people["olga"], "moved on")
		must(t, "revoke fred", err)
		clk.Add(7 * 24 * time.Hour)

		key := testKey(t, 14)
		ex := &Exporter{Key: key, Generator: "syncd test", Now: clk.Now, Population: reviewPopulation(svc)}
		var buf bytes.Buffer
		must(t, "export", ex.ExportCampaign(ctx, st, c.ID, nil, &buf))
		path := filepath.Join(t.TempDir(), "closed.xlsx")
		must(t, "write", os.WriteFile(path, buf.Bytes(), 0o600))
		if _, err := verifyFile(t, path, VerifyOptions{PublicKey: key.Public().(ed25519.PublicKey), Chain: ChainStore{Audit: st}}); err != nil {
			t.Fatal(err)
		}
		f := openBook(t, path)
		after := rowsOf(t, f, "Population after remediation")
		var grants []string
		byGrant := map[string][]string{}
		for _, r := range after.rows {
			if g := after.get(r, "Grant"); g != "" {
				grants = append(grants, g)
				byGrant[g] = r
			}
		}
		slices.Sort(grants)
		want := []string{gDana.ID, gFred.ID}
		slices.Sort(want)
		if !slices.Equal(grants, want) {
			t.Fatalf("population after remediation lists grants %v, want those in scope at close %v (not zoe's %s)", grants, want, gZoe.ID)
		}
		dana, fred := byGrant[gDana.ID], byGrant[gFred.ID]
		for col, v := range map[string]string{"Holder": "Dana", "Employee number": "E-dana", "Manager": "Olga", "Item name": "Finance reports",
			"Item owner": "Olga", "Risk": "high", "Obtained by": "requested", "Decision": "revoke", "Revoked and still held": "yes"} {
			if got := after.get(dana, col); got != v {
				t.Errorf("dana's row: %s = %q, want %q", col, got, v)
			}
		}
		if after.get(fred, "Decision") != "certify" || after.get(fred, "Revoked and still held") != "no" {
			t.Errorf("fred's row: %q", fred)
		}
		sum := sheetMap(t, f, "Summary")
		if got, want := sum["Population after remediation"], "evaluated at campaign close "+closedAt.UTC().Format(time.RFC3339); !strings.HasPrefix(got, want) {
			t.Errorf("summary: %q, want it to start with %q", got, want)
		}
		footer := map[string]string{}
		for _, r := range after.rows {
			if after.get(r, "Grant") == "" && len(r) > 3 {
				footer[r[0]] = r[3]
			}
		}
		if footer["In scope"] != "2" || footer["Revoked by this campaign and still held"] != "1" || footer["Population evaluated"] != "at campaign close" ||
			footer["Evaluated at"] != closedAt.UTC().Format(time.RFC3339) {
			t.Errorf("footer: %v", footer)
		}
	})
}
