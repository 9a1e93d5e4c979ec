package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// testUserViewShown: ListUserViewShown reads, in the statement of the
// page's rows, what the one-by-one reads give for each person (status,
// manager, open job functions in order, the source's groups in order),
// on every path of the view (lookup by userName, pages, deep offset,
// count only, NHIs).
func testUserViewShown(t *testing.T, s store.Store) {
	ctx := t.Context()
	ids := viewFixture(t, s)
	alice, bob, carol := ids["Alice@Example.com"], ids["bob@example.com"], ids["carol@example.com"]
	_, err := s.UpdatePerson(ctx, bob, func(p store.Person) (store.Person, error) {
		p.ManagerID, p.Status = alice, store.StatusDisabled
		return p, nil
	})
	must(t, "update person", err)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// Opened in an order that is neither the names' nor the ids'.
	for i, jf := range []string{"ops", "eng", "audit"} {
		_, err := s.OpenJobFunction(ctx, store.JobFunctionAssignment{PersonID: alice, JobFunction: jf, Rule: "r", ValidFrom: at.Add(time.Duration(2-i) * time.Hour)})
		must(t, "open job function", err)
	}
	closed, err := s.OpenJobFunction(ctx, store.JobFunctionAssignment{PersonID: bob, JobFunction: "eng", Rule: "r", ValidFrom: at})
	must(t, "open job function", err)
	must(t, "close job function", s.CloseJobFunction(ctx, closed.ID, at.Add(time.Hour)))
	for _, name := range []string{"Zeta", "Alpha", "Mid \"quoted\" ünï"} {
		g, err := s.CreateGroup(ctx, store.Group{Source: "idp", DisplayName: name})
		must(t, "create group", err)
		must(t, "add members", s.AddGroupMembers(ctx, g.ID, []string{alice, bob}))
	}
	other, err := s.CreateGroup(ctx, store.Group{Source: "other", DisplayName: "O"})
	must(t, "create group", err)
	must(t, "add members", s.AddGroupMembers(ctx, other.ID, []string{alice, carol}))
	n, err := s.CreateNHI(ctx, store.NHI{Kind: store.KindServiceAccount, Name: "svc-shown", Source: "idp", ExternalID: "svc-shown", Status: store.NHIActive})
	must(t, "create nhi", err)
	_, err = s.PutNHIDoc(ctx, store.NHIDoc{NHIID: n.ID, Source: "idp", Raw: []byte(`{"userName":"svc-shown","userType":"Service"}`)})
	must(t, "put nhi doc", err)

	// want is what the one-by-one reads give.
	want := func(it store.ViewItem, withGroups bool) string {
		if it.Kind != store.ViewPerson {
			return fmt.Sprintf("%s %s %s", it.Kind, it.ID, it.Raw)
		}
		p, err := s.GetPerson(ctx, it.ID)
		must(t, "get person", err)
		jfs, err := s.ListJobFunctions(ctx, it.ID, false)
		must(t, "list job functions", err)
		names := []string{}
		for _, j := range jfs {
			names = append(names, j.JobFunction)
		}
		out := fmt.Sprintf("%s %s %s v%d %s %q %q", it.Kind, it.ID, it.Raw, it.Version, p.Status, p.ManagerID, names)
		if withGroups {
			gs, err := s.ListPersonGroups(ctx, it.ID, "idp")
			must(t, "list person groups", err)
			refs := []string{}
			for _, g := range gs {
				refs = append(refs, g.ID+"="+g.DisplayName)
			}
			out += fmt.Sprintf(" %q", refs)
		}
		return out
	}
	got := func(u store.ShownUser, withGroups bool) string {
		if u.Kind != store.ViewPerson {
			if u.Groups != nil || u.JobFunctions != nil || u.Status != "" {
				t.Fatalf("nhi %s carries person data: %+v", u.ID, u)
			}
			return fmt.Sprintf("%s %s %s", u.Kind, u.ID, u.Raw)
		}
		if u.JobFunctions == nil {
			t.Fatalf("person %s: job functions nil, want empty", u.ID)
		}
		out := fmt.Sprintf("%s %s %s v%d %s %q %q", u.Kind, u.ID, u.Raw, u.Version, u.Status, u.ManagerID, u.JobFunctions)
		if withGroups {
			refs := []string{}
			for _, g := range u.Groups {
				refs = append(refs, g.ID+"="+g.DisplayName)
			}
			out += fmt.Sprintf(" %q", refs)
		} else if u.Groups != nil {
			t.Fatalf("person %s: groups read though not asked for", u.ID)
		}
		return out
	}
	queries := []store.ViewQuery{
		{Source: "idp"},
		{Source: "idp", Filter: store.Filter{Op: store.FilterEq, Path: []string{"userName"}, Value: "alice@example.COM"}},
		{Source: "idp", Filter: store.Filter{Op: store.FilterEq, Path: []string{"userName"}, Value: "svc-shown"}},
		{Source: "idp", Filter: store.Filter{Op: store.FilterEq, Path: []string{"userName"}, Value: "nobody"}},
		{Source: "idp", Filter: store.Filter{Op: store.FilterCo, Path: []string{"displayName"}, Value: "ab"}},
		{Source: "idp", Offset: 1, Limit: 2},
		{Source: "idp", Offset: 3, Limit: 1},
		{Source: "idp", CountOnly: true},
	}
	for i, q := range queries {
		for _, withGroups := range []bool{true, false} {
			items, total, err := s.ListUserView(ctx, q)
			must(t, "list user view", err)
			shown, shownTotal, err := s.ListUserViewShown(ctx, q, withGroups)
			must(t, "list user view shown", err)
			if shownTotal != total || len(shown) != len(items) {
				t.Fatalf("query %d: %d of %d shown, want %d of %d", i, len(shown), shownTotal, len(items), total)
			}
			for j := range items {
				w, g := want(items[j], withGroups), got(shown[j], withGroups)
				if w != g {
					t.Fatalf("query %d (groups %v), item %d:\n got %s\nwant %s", i, withGroups, j, g, w)
				}
			}
		}
	}
	// The fixture is what the comparison covers: alice's job functions in
	// valid-from order and her three groups, bob disabled with a manager.
	shown, _, err := s.ListUserViewShown(ctx, store.ViewQuery{Source: "idp"}, true)
	must(t, "list user view shown", err)
	byID := map[string]store.ShownUser{}
	for _, u := range shown {
		byID[u.ID] = u
	}
	if a := byID[alice]; !slices.Equal(a.JobFunctions, []string{"audit", "eng", "ops"}) || len(a.Groups) != 3 {
		t.Fatalf("alice: %+v", a)
	}
	if b := byID[bob]; b.Status != store.StatusDisabled || b.ManagerID != alice || len(b.JobFunctions) != 0 || len(b.Groups) != 3 {
		t.Fatalf("bob: %+v", b)
	}
	if c := byID[carol]; len(c.Groups) != 0 || c.Groups == nil {
		t.Fatalf("carol: groups %#v, want empty", c.Groups)
	}
	if _, ok := byID[n.ID]; !ok {
		t.Fatal("the nhi is not listed")
	}
}
