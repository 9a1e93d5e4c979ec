package storetest

import (
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var groupTests = []test{
	{"create, get, update, delete", testGroupLifecycle},
	{"conflicts", testGroupConflicts},
	{"list and count", testGroupList},
	{"members", testGroupMembers},
}

// groupTx returns s as a store.GroupTx, skipping stores without groups.
func groupTx(t *testing.T, s store.Store) store.GroupTx {
	t.Helper()
	g, ok := s.(store.GroupTx)
	if !ok {
		t.Skip("store does not implement store.GroupTx")
	}
	return g
}

func testGroupLifecycle(t *testing.T, s store.Store) {
	ctx := t.Context()
	gs := groupTx(t, s)
	in := store.Group{Source: "idp", ExternalID: "g1", DisplayName: "Engineers", Description: "all of them", Raw: []byte(`{"id":"g1"}`)}
	g, err := gs.CreateGroup(ctx, in)
	must(t, "create", err)
	if g.ID == "" {
		t.Fatal("no ID assigned")
	}
	wantStamp(t, "CreatedAt", g.CreatedAt)
	want := in
	want.ID, want.CreatedAt, want.UpdatedAt, want.Version = g.ID, g.CreatedAt, g.UpdatedAt, 1
	same(t, "create", g, want)
	got, err := gs.GetGroup(ctx, g.ID)
	must(t, "get", err)
	same(t, "get", got, want)
	got, err = gs.GetGroupByExternalID(ctx, "idp", "g1")
	must(t, "get by external id", err)
	same(t, "get by external id", got, want)
	_, err = gs.GetGroupByExternalID(ctx, "hr", "g1")
	wantErr(t, "other source", err, store.ErrNotFound)

	up, err := gs.UpdateGroup(ctx, g.ID, func(old store.Group) (store.Group, error) {
		old.DisplayName, old.Source = "Engineering", "ignored"
		return old, nil
	})
	must(t, "update", err)
	if up.DisplayName != "Engineering" || up.Source != "idp" || up.UpdatedAt.Before(g.UpdatedAt) || up.Version != 2 {
		t.Fatalf("update returned %+v", up)
	}
	_, err = gs.UpdateGroup(ctx, g.ID, func(old store.Group) (store.Group, error) { return old, errBoom })
	wantErr(t, "update fn error", err, errBoom)

	must(t, "delete", gs.DeleteGroup(ctx, g.ID))
	_, err = gs.GetGroup(ctx, g.ID)
	wantErr(t, "get deleted", err, store.ErrNotFound)
	wantErr(t, "delete again", gs.DeleteGroup(ctx, g.ID), store.ErrNotFound)
	_, err = gs.UpdateGroup(ctx, g.ID, func(old store.Group) (store.Group, error) { return old, nil })
	wantErr(t, "update deleted", err, store.ErrNotFound)
}

func testGroupConflicts(t *testing.T, s store.Store) {
	gs := groupTx(t, s)
	_, err := gs.CreateGroup(t.Context(), store.Group{Source: "idp", ExternalID: "g1", DisplayName: "Admins"})
	must(t, "create", err)
	other, err := gs.CreateGroup(t.Context(), store.Group{Source: "idp", DisplayName: "Users"})
	must(t, "create without external id", err)
	cases := []struct {
		name string
		g    store.Group
		want error
	}{
		{"same external id", store.Group{Source: "idp", ExternalID: "g1", DisplayName: "Other"}, store.ErrConflict},
		{"same name, other case", store.Group{Source: "idp", DisplayName: "ADMINS"}, store.ErrConflict},
		{"same name in another source", store.Group{Source: "ldap", DisplayName: "Admins"}, nil},
		{"second group without external id", store.Group{Source: "idp", DisplayName: "Guests"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gs.CreateGroup(t.Context(), tc.g)
			wantErr(t, "create", err, tc.want)
		})
	}
	_, err = gs.UpdateGroup(t.Context(), other.ID, func(g store.Group) (store.Group, error) {
		g.DisplayName = "admins"
		return g, nil
	})
	wantErr(t, "rename onto another group", err, store.ErrConflict)
}

func testGroupList(t *testing.T, s store.Store) {
	gs := groupTx(t, s)
	for _, g := range []store.Group{
		{ID: "g1", Source: "idp", DisplayName: "Admins"}, {ID: "g2", Source: "idp", DisplayName: "Users"},
		{ID: "g3", Source: "ldap", DisplayName: "admins"}, {ID: "g4", Source: "ldap", DisplayName: "Ops"},
	} {
		_, err := gs.CreateGroup(t.Context(), g)
		must(t, "create", err)
	}
	cases := []struct {
		name string
		q    store.GroupQuery
		want []string
	}{
		{"all", store.GroupQuery{}, []string{"g1", "g2", "g3", "g4"}},
		{"source", store.GroupQuery{Source: "ldap"}, []string{"g3", "g4"}},
		{"display name folds case", store.GroupQuery{DisplayName: "ADMINS"}, []string{"g1", "g3"}},
		{"page", store.GroupQuery{AfterID: "g1", Limit: 2}, []string{"g2", "g3"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := gs.ListGroups(t.Context(), tc.q)
			must(t, "list", err)
			var ids []string
			for _, g := range got {
				ids = append(ids, g.ID)
			}
			same(t, "ids", ids, tc.want)
			q := tc.q
			q.AfterID, q.Limit = "", 0
			all, err := gs.ListGroups(t.Context(), q)
			must(t, "list all", err)
			n, err := gs.CountGroups(t.Context(), tc.q)
			must(t, "count", err)
			if n != len(all) {
				t.Fatalf("count %d, want %d", n, len(all))
			}
		})
	}
}

func testGroupMembers(t *testing.T, s store.Store) {
	ctx := t.Context()
	gs := groupTx(t, s)
	for _, id := range []string{"p1", "p2", "p3"} {
		newPerson(t, s, store.Person{ID: id, UserName: id})
	}
	g, err := gs.CreateGroup(ctx, store.Group{ID: "g1", Source: "idp", DisplayName: "A", UpdatedAt: at(-time.Hour)})
	must(t, "create g1", err)
	_, err = gs.CreateGroup(ctx, store.Group{ID: "g2", Source: "ldap", DisplayName: "B"})
	must(t, "create g2", err)
	members := func(id string, want ...string) {
		t.Helper()
		got, err := gs.ListGroupMembers(ctx, id)
		must(t, "list members", err)
		if len(got) == 0 {
			got = nil // empty and nil are both fine
		}
		same(t, "members of "+id, got, want)
	}

	must(t, "add", gs.AddGroupMembers(ctx, "g1", []string{"p2", "p1", "p1"}))
	must(t, "add existing", gs.AddGroupMembers(ctx, "g1", []string{"p1"}))
	members("g1", "p1", "p2")
	touched, err := gs.GetGroup(ctx, "g1")
	must(t, "get", err)
	if !touched.UpdatedAt.After(g.UpdatedAt) {
		t.Fatalf("membership change left UpdatedAt at %v", touched.UpdatedAt)
	}
	wantErr(t, "add unknown person", gs.AddGroupMembers(ctx, "g1", []string{"nobody"}), store.ErrNotFound)
	wantErr(t, "add to unknown group", gs.AddGroupMembers(ctx, "nope", []string{"p1"}), store.ErrNotFound)
	_, err = gs.ListGroupMembers(ctx, "nope")
	wantErr(t, "members of unknown group", err, store.ErrNotFound)

	must(t, "remove", gs.RemoveGroupMembers(ctx, "g1", []string{"p2", "p3"}))
	members("g1", "p1")
	must(t, "set", gs.SetGroupMembers(ctx, "g1", []string{"p3", "p2"}))
	members("g1", "p2", "p3")
	must(t, "set empty", gs.SetGroupMembers(ctx, "g1", nil))
	members("g1")

	must(t, "add g1", gs.AddGroupMembers(ctx, "g1", []string{"p1", "p2"}))
	must(t, "add g2", gs.AddGroupMembers(ctx, "g2", []string{"p1"}))
	for _, tc := range []struct {
		source string
		want   []string
	}{{"", []string{"g1", "g2"}}, {"ldap", []string{"g2"}}, {"scim", nil}} {
		got, err := gs.ListPersonGroups(ctx, "p1", tc.source)
		must(t, "person groups", err)
		var ids []string
		for _, g := range got {
			ids = append(ids, g.ID)
		}
		same(t, "groups of p1 in "+tc.source, ids, tc.want)
	}
	must(t, "remove from ldap groups", gs.RemovePersonFromGroups(ctx, "p1", "ldap"))
	members("g2")
	members("g1", "p1", "p2")
	must(t, "remove from all groups", gs.RemovePersonFromGroups(ctx, "p1", ""))
	members("g1", "p2")

	must(t, "delete group with members", gs.DeleteGroup(ctx, "g1"))
	got, err := gs.ListPersonGroups(ctx, "p2", "")
	must(t, "person groups after delete", err)
	if len(got) != 0 {
		t.Fatalf("deleted group still listed: %+v", got)
	}
}
