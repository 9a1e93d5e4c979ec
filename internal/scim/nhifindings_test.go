package scim_test

import (
	"testing"

	"github.com/syncd-dev/syncd/internal/scim"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// A non-human user pushed over SCIM is written through the NHI service:
// its orphan findings open and resolve in the transaction of the push,
// not at the next scheduled evaluation.
func TestPushedNHIChangesReevaluateFindings(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		e := newEnv(t, st, scim.Config{NonHuman: scim.NonHumanRule{UserTypes: []string{"Service"}}})
		owner := e.do("POST", "/Users", newUser("owner@x.test", nil)).want(t, 201).str("id")
		bot := newUser("svc-bot", map[string]any{"userType": "Service"})
		nid := e.do("POST", "/Users", bot).want(t, 201).str("id")
		if got := openFindings(t, st, nid); len(got) != 1 || got[0] != "no-owner" {
			t.Fatalf("after create without a manager: open findings %v, want [no-owner]", got)
		}

		bot["schemas"] = []string{userSchema, entSchema}
		bot[entSchema] = map[string]any{"manager": map[string]any{"value": owner}}
		e.do("PUT", "/Users/"+nid, bot).want(t, 200)
		if got := openFindings(t, st, nid); len(got) != 0 {
			t.Fatalf("after the source named an owner: open findings %v, want none", got)
		}

		delete(bot, entSchema)
		bot["schemas"] = []string{userSchema}
		e.do("PUT", "/Users/"+nid, bot).want(t, 200)
		if got := openFindings(t, st, nid); len(got) != 1 || got[0] != "no-owner" {
			t.Fatalf("after the owner was dropped: open findings %v, want [no-owner]", got)
		}

		e.do("DELETE", "/Users/"+nid, nil).want(t, 204)
		if got := openFindings(t, st, nid); len(got) != 0 {
			t.Fatalf("after retirement: open findings %v, want none", got)
		}
	})
}

func openFindings(t *testing.T, st store.Store, nhiID string) []string {
	t.Helper()
	fs, err := st.ListFindings(t.Context(), store.FindingQuery{NHIID: nhiID})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range fs {
		if f.State != store.FindingResolved {
			out = append(out, f.Rule)
		}
	}
	return out
}
