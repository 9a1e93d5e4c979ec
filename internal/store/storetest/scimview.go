package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// testSCIMViewReads: job functions and groups of many persons at once
// give what the per-person reads give.
func testSCIMViewReads(t *testing.T, s store.Store) {
	ctx := t.Context()
	var ids []string
	for _, n := range []string{"a", "b", "c"} {
		p, err := s.CreatePerson(ctx, store.Person{UserName: n + "@view.test"})
		must(t, "create person", err)
		ids = append(ids, p.ID)
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, jf := range []string{"eng", "ops"} {
		_, err := s.OpenJobFunction(ctx, store.JobFunctionAssignment{PersonID: ids[0], JobFunction: jf, Rule: "r", ValidFrom: at.Add(time.Duration(i) * time.Hour)})
		must(t, "open job function", err)
	}
	closed, err := s.OpenJobFunction(ctx, store.JobFunctionAssignment{PersonID: ids[1], JobFunction: "eng", Rule: "r", ValidFrom: at})
	must(t, "open job function", err)
	must(t, "close job function", s.CloseJobFunction(ctx, closed.ID, at.Add(time.Hour)))
	g1, err := s.CreateGroup(ctx, store.Group{Source: "idp", DisplayName: "G1"})
	must(t, "create group", err)
	g2, err := s.CreateGroup(ctx, store.Group{Source: "idp", DisplayName: "G2"})
	must(t, "create group", err)
	other, err := s.CreateGroup(ctx, store.Group{Source: "other", DisplayName: "O"})
	must(t, "create group", err)
	must(t, "add members", s.AddGroupMembers(ctx, g1.ID, ids[:1]))
	must(t, "add members", s.AddGroupMembers(ctx, g2.ID, ids[:2]))
	must(t, "add members", s.AddGroupMembers(ctx, other.ID, ids[2:]))

	jfs, err := s.ListCurrentJobFunctionsOf(ctx, ids)
	must(t, "list job functions of", err)
	var got []string
	for _, j := range jfs {
		got = append(got, j.PersonID+":"+j.JobFunction)
	}
	if want := []string{ids[0] + ":eng", ids[0] + ":ops"}; !slices.Equal(got, want) {
		t.Fatalf("job functions %v, want %v", got, want)
	}
	groups, err := s.ListGroupsOfPersons(ctx, ids, "idp")
	must(t, "list groups of persons", err)
	for i, id := range ids {
		one, err := s.ListPersonGroups(ctx, id, "idp")
		must(t, "list person groups", err)
		var a, b []string
		for _, g := range groups[id] {
			a = append(a, g.ID+g.DisplayName)
		}
		for _, g := range one {
			b = append(b, g.ID+g.DisplayName)
		}
		if !slices.Equal(a, b) {
			t.Fatalf("person %d: groups %v, one by one %v", i, a, b)
		}
	}
	if _, ok := groups[ids[2]]; ok {
		t.Fatal("a person in no group of the source is listed")
	}
}
