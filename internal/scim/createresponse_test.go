package scim_test

import (
	"reflect"
	"testing"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/scim"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestCreateAnswersWhatGetReads: the 201 of POST /Users is built from
// what the transaction wrote, not read back; it must be exactly what a
// GET of the new user then returns: a new person (job functions from the
// rules, no groups), one with a manager, and one correlated with a person
// another source created.
func TestCreateAnswersWhatGetReads(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		e := newEnvWith(t, st, scim.Config{}, identity.Config{Rules: []identity.Rule{
			{Name: "fin", JobFunction: "accountant", When: `person.department == "Finance"`},
			{Name: "all", JobFunction: "staff", When: `true`},
		}})
		manager := map[string]any{scim.EnterpriseSchema: map[string]any{"department": "Finance", "employeeNumber": "m1"}}
		mgr := e.do("POST", "/Users", newUser("cr-m@x.test", manager)).want(t, 201)
		report := e.do("POST", "/Users", newUser("cr-r@x.test", map[string]any{scim.EnterpriseSchema: map[string]any{
			"department": "Sales", "manager": map[string]any{"value": mgr.str("id")}}})).want(t, 201)

		// A person another source created, correlated by userName.
		prior := e.doAs(e.issue("okta"), "POST", "/Users", newUser("cr-c@x.test", nil)).want(t, 201)
		corr := e.do("POST", "/Users", newUser("cr-c@x.test", nil)).want(t, 201)
		if corr.str("id") != prior.str("id") {
			t.Fatalf("correlated create made person %s, want %s", corr.str("id"), prior.str("id"))
		}

		for _, created := range []resp{mgr, report, corr} {
			got := e.do("GET", "/Users/"+created.str("id"), nil).want(t, 200)
			if created.Header.Get("ETag") != got.Header.Get("ETag") {
				t.Errorf("%s: POST ETag %q, GET %q", created.str("id"), created.Header.Get("ETag"), got.Header.Get("ETag"))
			}
			if !reflect.DeepEqual(created.Body, got.Body) {
				t.Errorf("%s: POST answered\n%s\nGET reads\n%s", created.str("id"), created.Raw, got.Raw)
			}
		}
		if jf := get(mgr.Body, scim.SyncdSchema, "jobFunctions"); !reflect.DeepEqual(jf, []any{"accountant", "staff"}) {
			t.Errorf("manager's job functions in the 201: %v", jf)
		}
	})
}
