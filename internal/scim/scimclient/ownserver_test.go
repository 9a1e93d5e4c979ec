package scimclient_test

import (
	"testing"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/pull"
	"github.com/syncd-dev/syncd/internal/scim/scimclient"
	"github.com/syncd-dev/syncd/internal/scim/scimtest"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestPullFromSyncdsOwnSCIMServer points the client at syncd's own SCIM
// server, over real HTTP with real data: an "HR" syncd holds users pushed
// to it, and a second syncd pulls them (full, incremental by
// meta.lastModified, and a full run that finds a deletion).
func TestPullFromSyncdsOwnSCIMServer(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, upstream *gormstore.Store) {
		ctx := t.Context()
		ids, err := identity.New(identity.Config{}, upstream)
		if err != nil {
			t.Fatal(err)
		}
		upstreamSCIM := scimtest.Start(t, upstream, ids, "hr-feed")
		call := upstreamSCIM.Call
		user := func(login, dept, title, manager string) map[string]any {
			u := map[string]any{
				"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
				"userName": login, "active": true, "title": title,
				"emails": []any{map[string]any{"value": login + "@example.com", "type": "work", "primary": true}},
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"employeeNumber": "E-" + login, "department": dept},
			}
			if manager != "" {
				u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].(map[string]any)["manager"] = map[string]any{"value": manager}
			}
			return u
		}
		boss := call("POST", "/Users", user("boss", "Finance", "Controller", ""))["id"].(string)
		ann := call("POST", "/Users", user("ann", "Finance", "Accountant", boss))["id"].(string)
		bob := call("POST", "/Users", user("bob", "Sales", "Rep", boss))["id"].(string)

		down := gormtest.SQLite(t)
		dids, err := identity.New(identity.Config{Sources: map[string]identity.SourceRole{"hr": identity.RoleHR}}, down)
		if err != nil {
			t.Fatal(err)
		}
		src, err := scimclient.New(scimclient.Config{Name: "hr", BaseURL: upstreamSCIM.Base, Token: upstreamSCIM.Token, PageSize: 2}, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Three people: one deletion is a third of them, over the default
		// mass-termination threshold.
		runner := &pull.Runner{Store: down, Identity: dids, Holder: "test", MaxDeletionShare: map[string]float64{"hr": 0.5}}
		run, err := runner.Run(ctx, src, pull.Options{})
		if err != nil || run.Mode != pull.ModeFull || run.Counts.Read != 3 || run.Counts.Created != 3 || run.Counts.Rejected != 0 {
			t.Fatalf("first pull: %+v %v", run, err)
		}
		annDown := onePerson(t, down, "E-ann")
		bossDown := onePerson(t, down, "E-boss")
		if annDown.Department != "Finance" || annDown.Title != "Accountant" || annDown.ManagerID != bossDown.ID || annDown.Email != "ann@example.com" {
			t.Fatalf("pulled ann: %+v (boss %s)", annDown, bossDown.ID)
		}

		// A change upstream arrives with the next incremental run alone.
		call("PATCH", "/Users/"+ann, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "replace", "path": "title", "value": "Senior Accountant"}}})
		run, err = runner.Run(ctx, src, pull.Options{})
		// The watermark is the newest meta.lastModified seen, which travels
		// with second precision, so records of that second are read again
		// (and found unchanged); a clock-skew-safe choice, see source.go.
		if err != nil || run.Mode != pull.ModeIncremental || run.Counts.Updated != 1 || run.Counts.Unchanged != run.Counts.Read-1 {
			t.Fatalf("incremental pull: %+v %v", run, err)
		}
		if p := onePerson(t, down, "E-ann"); p.Title != "Senior Accountant" {
			t.Fatalf("title after incremental pull: %q", p.Title)
		}

		// A deactivation and a deletion upstream.
		upstreamSCIM.Deactivate(bob)
		run, err = runner.Run(ctx, src, pull.Options{Full: true})
		if err != nil {
			t.Fatal(err)
		}
		if p := onePerson(t, down, "E-bob"); p.Status != store.StatusDisabled {
			t.Fatalf("bob after deactivation: %s", p.Status)
		}
		call("DELETE", "/Users/"+ann, nil)
		run, err = runner.Run(ctx, src, pull.Options{Full: true})
		if err != nil || run.Counts.Terminated != 1 {
			t.Fatalf("full pull after delete: %+v %v", run, err)
		}
		if p := onePerson(t, down, "E-ann"); p.Status != store.StatusTerminated {
			t.Fatalf("ann after upstream delete: %s", p.Status)
		}
	})
}

func onePerson(t *testing.T, st store.Store, employeeNumber string) store.Person {
	t.Helper()
	ps, err := st.FindPersons(t.Context(), store.MatchEmployeeNumber, employeeNumber)
	if err != nil || len(ps) != 1 {
		t.Fatalf("person %s: %+v %v", employeeNumber, ps, err)
	}
	return ps[0]
}
