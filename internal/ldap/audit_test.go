package ldap_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/ldap/ldaptest"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestImportAuditNamesEveryChange: a first import written set-based (new
// groups with their members in bulk, one audit append per transaction)
// still leaves a verifiable chain with an event per person, group and
// service account, and each group's event names exactly its members.
func TestImportAuditNamesEveryChange(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		e := setupOrg(t, st, ldaptest.Org{People: 200, ServiceAccounts: 6, AppGroups: 3}, nil)
		e.run(t, true)
		if _, err := audit.Verify(ctx, st); err != nil {
			t.Fatalf("audit verify after the import: %v", err)
		}
		states, err := st.ListGroupStates(ctx, "corp")
		if err != nil {
			t.Fatal(err)
		}
		if len(states) != e.org.Groups() {
			t.Fatalf("%d groups stored, directory has %d", len(states), e.org.Groups())
		}
		for _, g := range states {
			evs, err := st.ListAuditByTarget(ctx, []string{"group:" + g.ID}, 10)
			if err != nil {
				t.Fatal(err)
			}
			members, err := st.ListGroupMembers(ctx, g.ID)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(members)
			actions := map[string]store.AuditEvent{}
			for _, ev := range evs {
				actions[ev.Action] = ev
			}
			if _, ok := actions[audit.ActionGroupCreated]; !ok {
				t.Fatalf("group %s has no %s event: %+v", g.DisplayName, audit.ActionGroupCreated, evs)
			}
			ev, ok := actions[audit.ActionGroupMembersChanged]
			if len(members) == 0 {
				if ok {
					t.Fatalf("empty group %s has a members event", g.DisplayName)
				}
				continue
			}
			if !ok {
				t.Fatalf("group %s with %d members has no members event", g.DisplayName, len(members))
			}
			var d struct{ Added, Removed []string }
			if err := json.Unmarshal(ev.Details, &d); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(d.Added, members) || len(d.Removed) != 0 {
				t.Fatalf("group %s: event names %d added, %d removed; it has %d members", g.DisplayName, len(d.Added), len(d.Removed), len(members))
			}
		}
		for i := range e.org.People {
			p := e.personBy(t, store.MatchUserName, e.org.UID(i))
			evs, err := st.ListAuditByTarget(ctx, []string{"person:" + p.ID}, 10)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(evs, func(ev store.AuditEvent) bool { return ev.Action == "person.created" }) {
				t.Fatalf("person %s has no person.created event", p.UserName)
			}
		}
		nhis, err := st.ListNHIs(ctx, store.NHIQuery{Source: "corp", Kind: store.KindServiceAccount, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(nhis) < e.org.ServiceAccounts {
			t.Fatalf("%d service accounts stored, directory has %d", len(nhis), e.org.ServiceAccounts)
		}
		for _, n := range nhis {
			evs, err := st.ListAuditByTarget(ctx, []string{"nhi:" + n.ID}, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) == 0 || evs[len(evs)-1].Action != audit.ActionNHICreated {
				t.Fatalf("service account %s: events %+v", n.Name, evs)
			}
		}
	})
}
