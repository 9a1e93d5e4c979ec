package catalog_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

const fileItem = `items:
  - id: reports
    name: Reports
    kind: app-role
    owner: olga@example.com
    risk: low
    eligibility: {departments: [Finance]}
    maxDuration: 30d
    fulfillment: {type: manual}
`

func itemJSON(risk string) []byte {
	return []byte(`{"name":"Reports","kind":"app-role","owner":"olga@example.com","risk":"` + risk +
		`","eligibility":{"departments":["Finance"]},"maxDuration":"30d","fulfillment":{"type":"manual"}}`)
}

// replica is one process's editor over the shared store, with its own
// running catalog.
func replica(t *testing.T, st store.Store, src catalog.Source) *catalog.Editor {
	t.Helper()
	cat, errs := src.Effective(t.Context(), st)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return &catalog.Editor{Source: src, Store: st, Running: &catalog.Static{Cat: cat}}
}

// Whether a change loosens the item is decided against the item as
// stored, not against a replica's cached catalog: a replica that has not
// reloaded since another tightened the item still sees its change as
// the loosening it is.
func TestPutComparesWithTheStoredItem(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		olga, err := st.CreatePerson(t.Context(), store.Person{UserName: "olga", Email: "olga@example.com", Status: store.StatusActive})
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "catalog.yaml")
		if err := os.WriteFile(file, []byte(fileItem), 0o600); err != nil {
			t.Fatal(err)
		}
		src := catalog.Source{Files: []string{file}}
		a, b := replica(t, st, src), replica(t, st, src)
		who := catalog.Actor{Actor: "person:" + olga.ID, PersonID: olga.ID}

		put := func(e *catalog.Editor, risk string) catalog.PutResult {
			t.Helper()
			it, errs := e.ParseItem(t.Context(), "reports", itemJSON(risk))
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			res, err := e.Put(t.Context(), who, "reports", itemJSON(risk), it)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		// Replica b raises the risk; replica a has not reloaded.
		if res := put(b, "high"); res.Change != nil || res.Version.Version != 1 {
			t.Fatalf("tightening on b: %+v", res)
		}
		if a.Item("reports").Risk != "low" {
			t.Fatal("replica a reloaded; the test needs a stale cache")
		}
		// On a, "low" equals its cached item, but it lowers the stored one.
		res := put(a, "low")
		if res.Change == nil || res.Change.BaseVersion != 1 || res.Change.Reasons[0] != "risk lowered from high to low" {
			t.Fatalf("loosening on a stale replica: %+v", res)
		}
		// The proposer cannot approve it on either replica.
		if _, _, _, err := b.Approve(t.Context(), who, res.Change.ID, ""); !errors.Is(err, catalog.ErrForbidden) {
			t.Fatalf("proposer approving: %v", err)
		}
		admin := catalog.Actor{Actor: "token:ops", Admin: true}
		if _, v, _, err := b.Approve(t.Context(), admin, res.Change.ID, ""); err != nil || v.Version != 2 {
			t.Fatalf("admin approving: %+v %v", v, err)
		}
	})
}
