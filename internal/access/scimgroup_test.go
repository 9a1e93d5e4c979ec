package access_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/scim/scimclient"
	"github.com/syncd-dev/syncd/internal/scim/scimtest"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// wikiApp is a downstream application: syncd's own SCIM server on a store
// of its own (the same database kind as st), holding the user dana and
// the group wiki-editors. It returns the server and the two ids.
func wikiApp(t *testing.T, st *gormstore.Store) (srv *scimtest.Server, group, dana string) {
	t.Helper()
	var down *gormstore.Store
	if st.Driver() == gormstore.DriverPostgres {
		down = gormtest.Postgres(t)
	} else {
		down = gormtest.SQLite(t)
	}
	ids, err := identity.New(identity.Config{}, down)
	if err != nil {
		t.Fatal(err)
	}
	srv = scimtest.Start(t, down, ids, "syncd-access")
	dana = srv.Call("POST", "/Users", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName": "dana", "active": true, "emails": []any{map[string]any{"value": "dana@example.com", "primary": true}}})["id"].(string)
	group = srv.Call("POST", "/Groups", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"},
		"displayName": "wiki-editors"})["id"].(string)
	return srv, group, dana
}

func wikiMembers(t *testing.T, srv *scimtest.Server, group string) []string {
	t.Helper()
	var out []string
	ms, _ := srv.Call("GET", "/Groups/"+group, nil)["members"].([]any)
	for _, m := range ms {
		out = append(out, m.(map[string]any)["value"].(string))
	}
	return out
}

func wikiService(t *testing.T, st *gormstore.Store, srv *scimtest.Server, ids map[string]string, group string, c *clock) *access.Service {
	t.Helper()
	w, err := scimclient.NewGroupWriter(scimclient.Config{Name: "wiki", BaseURL: srv.Base, Token: srv.Token}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	cat := &catalog.Catalog{Items: []catalog.Item{{
		ItemSpec: policy.ItemSpec{ID: "wiki-editor", Name: "Wiki editor", Kind: "app-role", Risk: policy.RiskLow, OwnerID: ids["olga"],
			Eligibility: policy.Eligibility{Departments: []string{"Finance", "Sales"}},
			AutoApprove: &policy.Condition{When: `beneficiary.department == "Finance" || beneficiary.department == "Sales"`}, MaxDuration: 30 * 24 * time.Hour},
		OwnerRef:    "olga",
		Fulfillment: catalog.Fulfillment{Type: "scim", Params: map[string]string{"app": "wiki", "group": group}},
	}}}
	svc, err := access.NewService(st, cat, map[string]access.Fulfiller{
		"scim": &access.SCIMGroup{Apps: map[string]access.SCIMApp{"wiki": w}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc.Now = c.now
	return svc
}

// TestSCIMGroupFlow: an auto-approved app role is granted by membership of
// a group in a downstream SCIM application (syncd's own server, over
// HTTP) and taken back at expiry.
func TestSCIMGroupFlow(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ids := org(t, st)
		srv, group, danaDown := wikiApp(t, st)
		c := &clock{time.Now().UTC()}
		svc := wikiService(t, st, srv, ids, group, c)

		out, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids["dana"], ItemID: "wiki-editor",
			Justification: "month-end notes", End: c.t.Add(7 * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if out.Request.State != store.RequestApproved || out.Grant == nil || out.Grant.Assurance != store.AssuranceAutoApproved {
			t.Fatalf("not auto-approved: %+v", out)
		}
		g := *settle(t, svc, out.Grant)
		if g.State != store.GrantActive || g.FulfillmentStatus != "done" || g.FulfillmentRef != danaDown {
			t.Fatalf("grant %+v", g)
		}
		if got := wikiMembers(t, srv, group); !slices.Equal(got, []string{danaDown}) {
			t.Fatalf("members %v, want dana (%s)", got, danaDown)
		}
		evs, err := st.ListAuditByTarget(t.Context(), []string{"grant:" + g.ID}, 0)
		if err != nil || !slices.ContainsFunc(evs, func(e store.AuditEvent) bool {
			return e.Action == "grant.fulfillment" && e.Actor == "fulfillment:scim"
		}) {
			t.Fatalf("no fulfillment audit event: %+v %v", evs, err)
		}

		// Granting again (a retry) changes nothing and succeeds.
		it := svc.Catalog().Items[0]
		holder, _ := st.GetPerson(t.Context(), ids["dana"])
		f := svc.Fulfillers["scim"]
		if ref, done, err := f.Grant(t.Context(), g, it, holder); err != nil || !done || ref != danaDown {
			t.Fatalf("repeated grant: %q %v %v", ref, done, err)
		}
		if got := wikiMembers(t, srv, group); !slices.Equal(got, []string{danaDown}) {
			t.Fatalf("members after a repeated grant: %v", got)
		}

		// Expiry ends the grant and takes the membership back.
		c.t = c.t.Add(8 * 24 * time.Hour)
		res, err := sweepAndWork(t, svc)
		if err != nil || res.Expired != 1 || len(res.Errors) > 0 {
			t.Fatalf("sweep: %+v %v", res, err)
		}
		ended, _ := st.GetGrant(t.Context(), g.ID)
		if ended.State != store.GrantEnded || ended.FulfillmentStatus != "removed" {
			t.Fatalf("after expiry: %+v", ended)
		}
		if got := wikiMembers(t, srv, group); len(got) != 0 {
			t.Fatalf("members after expiry: %v", got)
		}
		// Taking back again is a no-op.
		if err := f.Revoke(t.Context(), ended, it, holder); err != nil {
			t.Fatalf("repeated revoke: %v", err)
		}
		if _, err := audit.Verify(t.Context(), st); err != nil {
			t.Fatal(err)
		}
	})
}

// TestSCIMGroupFailures: a holder the application does not know, and a
// group it does not have, leave the grant failed, never active; once the
// user exists downstream, the sweep's retry grants the access.
func TestSCIMGroupFailures(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ids := org(t, st)
		srv, group, _ := wikiApp(t, st)
		c := &clock{time.Now().UTC()}
		var svc *access.Service
		grants := map[string]string{} // holder → grant id
		cases := []struct {
			name, holder, group, wantErr string
		}{
			{"holder unknown downstream", "sam", group, `scim: Sam has no user in app "wiki" (looked up as ["sam" "sam@example.com"]): no such user`},
			{"group unknown downstream", "dana", "no-such-group", `scim: scimclient: wiki: group "no-such-group" does not exist`},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				svc = wikiService(t, st, srv, ids, tc.group, c)
				svc.MaxAttempts = 1
				out, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids[tc.holder], ItemID: "wiki-editor",
					Justification: "notes", End: c.t.Add(24 * time.Hour)})
				if err != nil {
					t.Fatal(err)
				}
				g := settle(t, svc, out.Grant)
				if g == nil || g.State != store.GrantFailed || g.FulfillmentStatus != "failed" || !strings.Contains(g.FulfillmentError, tc.wantErr) {
					t.Fatalf("grant %+v, want failed with %q", g, tc.wantErr)
				}
				if strings.Contains(g.FulfillmentError, srv.Token) {
					t.Fatal("the token leaked into the error")
				}
				grants[tc.holder] = g.ID
			})
		}
		if got := wikiMembers(t, srv, group); len(got) != 0 {
			t.Fatalf("a failed grant changed the group: %v", got)
		}

		// Sam gets a user downstream and the item names the real group
		// again: the sweep retries both failed grants, and both succeed.
		sam := srv.Call("POST", "/Users", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
			"userName": "sam", "active": true})["id"].(string)
		svc = wikiService(t, st, srv, ids, group, c)
		res, err := sweepAndWork(t, svc)
		if err != nil || res.Retried != 2 {
			t.Fatalf("sweep: %+v %v", res, err)
		}
		for _, holder := range []string{"sam", "dana"} {
			if g, _ := st.GetGrant(t.Context(), grants[holder]); g.State != store.GrantActive || g.FulfillmentError != "" {
				t.Fatalf("%s's grant after the retry: %+v", holder, g)
			}
		}
		if g, _ := st.GetGrant(t.Context(), grants["sam"]); g.FulfillmentRef != sam {
			t.Fatalf("sam's grant refers to %q, want %q", g.FulfillmentRef, sam)
		}
		if got := wikiMembers(t, srv, group); len(got) != 2 || !slices.Contains(got, sam) {
			t.Fatalf("members after the retry: %v", got)
		}
	})
}
