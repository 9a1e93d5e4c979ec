package storetest

import (
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var linkTests = []test{
	{"put and get", testLinkPutGet},
	{"put replaces", testLinkReplace},
	{"put unknown person", testLinkUnknownPerson},
	{"get and delete missing", testLinkMissing},
	{"list by person", testLinkList},
	{"find by attribute", testLinkFind},
	{"unresolved managers", testLinkUnresolved},
}

func putLink(t *testing.T, s store.Tx, l store.SourceLink) store.SourceLink {
	t.Helper()
	got, err := s.PutSourceLink(t.Context(), l)
	must(t, "put link "+l.Source+"/"+l.ExternalID, err)
	return got
}

func testLinkPutGet(t *testing.T, s store.Store) {
	p := newPerson(t, s, store.Person{UserName: "ada"})
	in := store.SourceLink{
		Source: "hr", ExternalID: "E1", PersonID: p.ID,
		Attributes: map[string]string{"userName": "ada", "title": "Analyst"},
		ManagerRef: "E0", Raw: []byte(`{"id":"E1"}`), AssertedAt: at(0),
	}
	got := putLink(t, s, in)
	wantStamp(t, "CreatedAt", got.CreatedAt)
	wantStamp(t, "UpdatedAt", got.UpdatedAt)
	want := in
	want.AssertedAt, want.CreatedAt, want.UpdatedAt = stored(in.AssertedAt), got.CreatedAt, got.UpdatedAt
	want.Version = 1 // set by the store
	same(t, "put", got, want)
	read, err := s.GetSourceLink(t.Context(), "hr", "E1")
	must(t, "get", err)
	same(t, "get", read, want)

	bare := putLink(t, s, store.SourceLink{Source: "hr", ExternalID: "E2", PersonID: p.ID})
	wantStamp(t, "default AssertedAt", bare.AssertedAt)
	if bare.Attributes != nil || bare.Raw != nil {
		t.Fatalf("empty link came back with %v / %q", bare.Attributes, bare.Raw)
	}
}

func testLinkReplace(t *testing.T, s store.Store) {
	p := newPerson(t, s, store.Person{UserName: "ada"})
	q := newPerson(t, s, store.Person{UserName: "ada2"})
	first := putLink(t, s, store.SourceLink{Source: "hr", ExternalID: "E1", PersonID: p.ID,
		Attributes: map[string]string{"title": "Analyst", "department": "Eng"}, ManagerRef: "E0"})
	second := putLink(t, s, store.SourceLink{Source: "hr", ExternalID: "E1", PersonID: q.ID,
		Attributes: map[string]string{"title": "Engineer"}, AssertedAt: at(time.Hour)})
	if !second.CreatedAt.Equal(first.CreatedAt) {
		t.Fatalf("replace changed CreatedAt %v -> %v", first.CreatedAt, second.CreatedAt)
	}
	if second.UpdatedAt.Before(first.UpdatedAt) {
		t.Fatalf("UpdatedAt went back %v -> %v", first.UpdatedAt, second.UpdatedAt)
	}
	read, err := s.GetSourceLink(t.Context(), "hr", "E1")
	must(t, "get", err)
	want := store.SourceLink{Source: "hr", ExternalID: "E1", PersonID: q.ID,
		Attributes: map[string]string{"title": "Engineer"}, AssertedAt: stored(at(time.Hour)),
		CreatedAt: first.CreatedAt, UpdatedAt: second.UpdatedAt, Version: 2}
	same(t, "replaced", read, want)
	links, err := s.ListSourceLinks(t.Context(), p.ID)
	must(t, "list old person", err)
	if len(links) != 0 {
		t.Fatalf("old person still has %d links", len(links))
	}
}

func testLinkUnknownPerson(t *testing.T, s store.Store) {
	_, err := s.PutSourceLink(t.Context(), store.SourceLink{Source: "hr", ExternalID: "E1", PersonID: "nobody"})
	wantErr(t, "put", err, store.ErrNotFound)
}

func testLinkMissing(t *testing.T, s store.Store) {
	p := newPerson(t, s, store.Person{UserName: "ada"})
	_, err := s.GetSourceLink(t.Context(), "hr", "nope")
	wantErr(t, "get", err, store.ErrNotFound)
	wantErr(t, "delete missing", s.DeleteSourceLink(t.Context(), "hr", "nope"), store.ErrNotFound)
	putLink(t, s, store.SourceLink{Source: "hr", ExternalID: "E1", PersonID: p.ID})
	must(t, "delete", s.DeleteSourceLink(t.Context(), "hr", "E1"))
	_, err = s.GetSourceLink(t.Context(), "hr", "E1")
	wantErr(t, "get deleted", err, store.ErrNotFound)
}

func testLinkList(t *testing.T, s store.Store) {
	p := newPerson(t, s, store.Person{UserName: "ada"})
	q := newPerson(t, s, store.Person{UserName: "grace"})
	putLink(t, s, store.SourceLink{Source: "idp", ExternalID: "b", PersonID: p.ID})
	putLink(t, s, store.SourceLink{Source: "hr", ExternalID: "z", PersonID: p.ID})
	putLink(t, s, store.SourceLink{Source: "idp", ExternalID: "a", PersonID: p.ID})
	putLink(t, s, store.SourceLink{Source: "hr", ExternalID: "y", PersonID: q.ID})
	links, err := s.ListSourceLinks(t.Context(), p.ID)
	must(t, "list", err)
	same(t, "order", linkKeys(links), []string{"hr/z", "idp/a", "idp/b"})
	links, err = s.ListSourceLinks(t.Context(), "nobody")
	must(t, "list nobody", err)
	if len(links) != 0 {
		t.Fatalf("links of nobody: %v", linkKeys(links))
	}
}

func linkKeys(ls []store.SourceLink) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Source+"/"+l.ExternalID)
	}
	return out
}

func testLinkFind(t *testing.T, s store.Store) {
	p := newPerson(t, s, store.Person{UserName: "ada"})
	putLink(t, s, store.SourceLink{Source: "hr", ExternalID: "2", PersonID: p.ID, Attributes: map[string]string{"email": "Ada@Example.com"}})
	putLink(t, s, store.SourceLink{Source: "hr", ExternalID: "1", PersonID: p.ID, Attributes: map[string]string{"email": "ada@example.COM", "employeeNumber": "E1"}})
	putLink(t, s, store.SourceLink{Source: "hr", ExternalID: "3", PersonID: p.ID, Attributes: map[string]string{"email": "other@example.com"}})
	putLink(t, s, store.SourceLink{Source: "idp", ExternalID: "4", PersonID: p.ID, Attributes: map[string]string{"email": "ada@example.com"}})
	cases := []struct {
		name, source, attr, value string
		want                      []string
	}{
		{"folds case, ordered", "hr", "email", "ADA@example.com", []string{"hr/1", "hr/2"}},
		{"other source", "idp", "email", "ada@example.com", []string{"idp/4"}},
		{"camel-case attribute", "hr", "employeeNumber", "e1", []string{"hr/1"}},
		{"missing attribute", "hr", "title", "x", nil},
		{"empty value", "hr", "title", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.FindSourceLinks(t.Context(), tc.source, tc.attr, tc.value)
			must(t, "find", err)
			same(t, "links", linkKeys(got), tc.want)
		})
	}
}

func testLinkUnresolved(t *testing.T, s store.Store) {
	p := newPerson(t, s, store.Person{UserName: "ada"})
	putLink(t, s, store.SourceLink{Source: "hr", ExternalID: "3", PersonID: p.ID, ManagerRef: "E9"})
	putLink(t, s, store.SourceLink{Source: "hr", ExternalID: "1", PersonID: p.ID, ManagerRef: "E9", Attributes: map[string]string{"manager": ""}})
	putLink(t, s, store.SourceLink{Source: "hr", ExternalID: "2", PersonID: p.ID, ManagerRef: "E8", Attributes: map[string]string{"manager": "p-boss"}})
	putLink(t, s, store.SourceLink{Source: "hr", ExternalID: "4", PersonID: p.ID})
	putLink(t, s, store.SourceLink{Source: "idp", ExternalID: "5", PersonID: p.ID, ManagerRef: "E9"})
	got, err := s.ListUnresolvedManagerLinks(t.Context(), "hr")
	must(t, "list", err)
	same(t, "unresolved", linkKeys(got), []string{"hr/1", "hr/3"})
}
