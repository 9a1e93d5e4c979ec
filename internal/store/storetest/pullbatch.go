package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/syncd-dev/syncd/internal/store"
)

var pullBatchTests = []test{
	{"resolve link DNs in bulk", testResolveLinkDNs},
	{"group states and digests", testGroupStates},
	{"NHI members of groups", testGroupNHIMembers},
	{"create groups with members in bulk", testCreateGroupsWithMembers},
	{"find links by DN in bulk", testFindSourceLinksByDN},
}

func testResolveLinkDNs(t *testing.T, s store.Store) {
	ctx := t.Context()
	var dns []string
	want := map[string]string{}
	for i := range 1205 { // more than one chunk
		p := newPerson(t, s, store.Person{UserName: fmt.Sprintf("u%d", i)})
		dn := fmt.Sprintf("uid=U%d,ou=People,dc=x", i)
		_, err := s.PutSourceLink(ctx, store.SourceLink{Source: "ldap", ExternalID: fmt.Sprintf("e%d", i), PersonID: p.ID,
			Attributes: map[string]string{"dn": dn}})
		must(t, "put link", err)
		dns = append(dns, dn)
		want[fmt.Sprintf("uid=u%d,ou=people,dc=x", i)] = p.ID
	}
	// Two links claiming one DN are ambiguous; another source's link and
	// an unknown DN resolve to nothing.
	other := newPerson(t, s, store.Person{UserName: "other"})
	_, err := s.PutSourceLink(ctx, store.SourceLink{Source: "ldap", ExternalID: "dup", PersonID: other.ID, Attributes: map[string]string{"dn": dns[0]}})
	must(t, "put dup", err)
	delete(want, "uid=u0,ou=people,dc=x")
	_, err = s.PutSourceLink(ctx, store.SourceLink{Source: "ad", ExternalID: "z", PersonID: other.ID, Attributes: map[string]string{"dn": "cn=z"}})
	must(t, "put other source", err)
	got, err := s.ResolveLinkDNs(ctx, "ldap", append(dns, "cn=z", "cn=nobody"))
	must(t, "resolve", err)
	if len(got) != len(want) {
		t.Fatalf("resolved %d DNs, want %d", len(got), len(want))
	}
	for dn, id := range want {
		if got[dn] != id {
			t.Fatalf("%s resolved to %q, want %q", dn, got[dn], id)
		}
	}
}

func testGroupStates(t *testing.T, s store.Store) {
	ctx := t.Context()
	p := newPerson(t, s, store.Person{UserName: "m"})
	g, err := s.CreateGroup(ctx, store.Group{Source: "ldap", ExternalID: "g1", DisplayName: "G1", Description: "d"})
	must(t, "create", err)
	_, err = s.CreateGroup(ctx, store.Group{Source: "scim", ExternalID: "g2", DisplayName: "G2"})
	must(t, "create other", err)
	must(t, "set digest", s.SetGroupDigest(ctx, g.ID, "abc"))
	wantErr(t, "digest of a missing group", s.SetGroupDigest(ctx, "nope", "x"), store.ErrNotFound)
	states, err := s.ListGroupStates(ctx, "ldap")
	must(t, "states", err)
	if len(states) != 1 || states[0] != (store.GroupState{ID: g.ID, ExternalID: "g1", DisplayName: "G1", Description: "d", Digest: "abc"}) {
		t.Fatalf("states %+v", states)
	}
	// A membership change through any path clears the digest.
	must(t, "add member", s.AddGroupMembers(ctx, g.ID, []string{p.ID}))
	states, err = s.ListGroupStates(ctx, "ldap")
	must(t, "states", err)
	if states[0].Digest != "" {
		t.Fatalf("digest after a membership change: %q", states[0].Digest)
	}
}

func testGroupNHIMembers(t *testing.T, s store.Store) {
	ctx := t.Context()
	g, err := s.CreateGroup(ctx, store.Group{Source: "ldap", ExternalID: "g1", DisplayName: "G1"})
	must(t, "create", err)
	var ids []string
	for i := range 3 {
		n, err := s.CreateNHI(ctx, store.NHI{Kind: store.KindServiceAccount, Name: fmt.Sprintf("svc-%d", i), Source: "ldap"})
		must(t, "create nhi", err)
		ids = append(ids, n.ID)
	}
	slices.Sort(ids)
	must(t, "set digest", s.SetGroupDigest(ctx, g.ID, "abc"))
	must(t, "add", s.AddGroupNHIMembers(ctx, g.ID, ids))
	must(t, "add again", s.AddGroupNHIMembers(ctx, g.ID, ids[:1]))
	got, err := s.ListGroupNHIMembers(ctx, g.ID)
	must(t, "list", err)
	if !slices.Equal(got, ids) {
		t.Fatalf("members %v, want %v", got, ids)
	}
	if st, _ := s.ListGroupStates(ctx, "ldap"); st[0].Digest != "" {
		t.Fatalf("digest after adding NHI members: %q", st[0].Digest)
	}
	must(t, "remove", s.RemoveGroupNHIMembers(ctx, g.ID, []string{ids[1], "not-a-member"}))
	got, _ = s.ListGroupNHIMembers(ctx, g.ID)
	if !slices.Equal(got, []string{ids[0], ids[2]}) {
		t.Fatalf("members after remove %v", got)
	}
	gs, err := s.ListNHIGroups(ctx, ids[0])
	must(t, "nhi groups", err)
	if len(gs) != 1 || gs[0].ID != g.ID {
		t.Fatalf("groups of nhi %+v", gs)
	}
	must(t, "delete group", s.DeleteGroup(ctx, g.ID))
	if gs, _ := s.ListNHIGroups(ctx, ids[0]); len(gs) != 0 {
		t.Fatalf("groups of nhi after the group was deleted %+v", gs)
	}
}

func testCreateGroupsWithMembers(t *testing.T, s store.Store) {
	ctx := t.Context()
	var persons []string
	for i := range 2500 { // more than one insert statement of members
		persons = append(persons, newPerson(t, s, store.Person{UserName: fmt.Sprintf("u%d", i)}).ID)
	}
	slices.Sort(persons)
	n, err := s.CreateNHI(ctx, store.NHI{Kind: store.KindServiceAccount, Name: "svc", Source: "ldap"})
	must(t, "create nhi", err)
	gs, err := s.CreateGroupsWithMembers(ctx, []store.NewGroup{
		{Group: store.Group{Source: "ldap", ExternalID: "all", DisplayName: "All", Description: "everyone"}, Members: persons, Digest: "d1"},
		{Group: store.Group{Source: "ldap", ExternalID: "apps", DisplayName: "Apps"}, Members: []string{persons[1], persons[0], persons[1]},
			NHIMembers: []string{n.ID}, Digest: "d2"},
		{Group: store.Group{Source: "ldap", ExternalID: "empty", DisplayName: "Empty"}},
	})
	must(t, "create groups", err)
	if len(gs) != 3 || gs[0].ExternalID != "all" || gs[2].ExternalID != "empty" || gs[1].Version != 1 || gs[0].ID == "" {
		t.Fatalf("created %+v", gs)
	}
	stored, err := s.GetGroup(ctx, gs[0].ID)
	must(t, "get group", err)
	if stored.DisplayName != "All" || stored.Description != "everyone" || stored.Version != 1 {
		t.Fatalf("stored %+v", stored)
	}
	got, err := s.ListGroupMembers(ctx, gs[0].ID)
	must(t, "members", err)
	slices.Sort(got)
	if !slices.Equal(got, persons) {
		t.Fatalf("all has %d members, want %d", len(got), len(persons))
	}
	got, _ = s.ListGroupMembers(ctx, gs[1].ID)
	slices.Sort(got)
	if !slices.Equal(got, persons[:2]) {
		t.Fatalf("apps members %v", got)
	}
	if nhis, _ := s.ListGroupNHIMembers(ctx, gs[1].ID); !slices.Equal(nhis, []string{n.ID}) {
		t.Fatalf("apps NHI members %v", nhis)
	}
	states, err := s.ListGroupStates(ctx, "ldap")
	must(t, "states", err)
	digests := map[string]string{}
	for _, st := range states {
		digests[st.ExternalID] = st.Digest
	}
	if digests["all"] != "d1" || digests["apps"] != "d2" || digests["empty"] != "" {
		t.Fatalf("digests %v", digests)
	}
	// A name taken (case-insensitively) fails the whole call.
	_, err = s.CreateGroupsWithMembers(ctx, []store.NewGroup{
		{Group: store.Group{Source: "ldap", ExternalID: "new", DisplayName: "New"}},
		{Group: store.Group{Source: "ldap", ExternalID: "all2", DisplayName: "ALL"}},
	})
	wantErr(t, "duplicate name", err, store.ErrConflict)
	if _, err := s.GetGroupByExternalID(ctx, "ldap", "new"); err == nil {
		t.Fatal("a group of a failed call was created")
	}
}

func testFindSourceLinksByDN(t *testing.T, s store.Store) {
	ctx := t.Context()
	var dns []string
	for i := range 1205 { // more than one chunk
		p := newPerson(t, s, store.Person{UserName: fmt.Sprintf("u%d", i)})
		dn := fmt.Sprintf("uid=U%d,ou=People,dc=x", i)
		_, err := s.PutSourceLink(ctx, store.SourceLink{Source: "ldap", ExternalID: fmt.Sprintf("e%d", i), PersonID: p.ID,
			Attributes: map[string]string{"dn": dn}})
		must(t, "put link", err)
		dns = append(dns, fmt.Sprintf("UID=u%d,OU=people,DC=X", i))
	}
	other := newPerson(t, s, store.Person{UserName: "other"})
	_, err := s.PutSourceLink(ctx, store.SourceLink{Source: "ldap", ExternalID: "dup", PersonID: other.ID, Attributes: map[string]string{"dn": "uid=u0,ou=people,dc=x"}})
	must(t, "put dup", err)
	_, err = s.PutSourceLink(ctx, store.SourceLink{Source: "ad", ExternalID: "z", PersonID: other.ID, Attributes: map[string]string{"dn": "cn=z"}})
	must(t, "put other source", err)
	got, err := s.FindSourceLinksByDN(ctx, "ldap", append(dns, "cn=z", "cn=nobody", ""))
	must(t, "find", err)
	if len(got) != 1206 {
		t.Fatalf("found %d links, want 1206 (both links under u0)", len(got))
	}
	for _, l := range got {
		if l.Source != "ldap" || l.Attributes["dn"] == "" {
			t.Fatalf("found %+v", l)
		}
	}
}
