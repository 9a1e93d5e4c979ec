package scim_test

import (
	"sync"
	"testing"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/scim"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestDeactivationFollowsPrecedence: active:false from the IdP disables a
// person only when no higher-precedence source (HR, by default) asserts a
// status; the IdP's assertion is kept either way.
func TestDeactivationFollowsPrecedence(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		e := newEnv(t, st, scim.Config{})
		hr, err := e.id.ApplyOne(ctx, "workday", "", identity.Change{Record: identity.Record{ExternalID: "W1",
			Attributes: map[string]string{"employeeNumber": "E1", "status": "active"}}})
		if err != nil {
			t.Fatal(err)
		}
		id := e.do("POST", "/Users", newUser("hr@x.test", map[string]any{entSchema: map[string]any{"employeeNumber": "E1"}})).want(t, 201).str("id")
		if id != hr.PersonID {
			t.Fatal("not correlated by employee number")
		}
		e.do("PATCH", "/Users/"+id, patch(op("replace", "active", false))).want(t, 200)
		wantStatus(t, st, id, store.StatusActive) // HR says active and wins
		// Once HR no longer asserts a status, the IdP's disable applies.
		if _, err := e.id.ApplyOne(ctx, "workday", "", identity.Change{Record: identity.Record{ExternalID: "W1",
			Attributes: map[string]string{"employeeNumber": "E1"}}}); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, st, id, store.StatusDisabled)
		r := e.do("GET", "/Users/"+id, nil).want(t, 200)
		if r.str(scim.SyncdSchema, "status") != "disabled" {
			t.Fatalf("syncd extension: %s", r.Raw)
		}
	})
}

// TestConcurrentCreatesOfOneUserName: one wins, the rest get 409.
func TestConcurrentCreatesOfOneUserName(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		e := newEnv(t, st, scim.Config{})
		var wg sync.WaitGroup
		codes := make([]int, 8)
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = e.do("POST", "/Users", newUser("Same@x.test", nil)).Status
			}()
		}
		wg.Wait()
		created := 0
		for _, c := range codes {
			switch c {
			case 201:
				created++
			case 409:
			default:
				t.Fatalf("status %d", c)
			}
		}
		n, err := st.CountPersons(t.Context(), store.PersonQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if created != 1 || n != 1 {
			t.Fatalf("%d created, %d persons", created, n)
		}
	})
}
