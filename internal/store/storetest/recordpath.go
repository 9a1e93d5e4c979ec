package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var recordPathTests = []test{
	{"persons by any of several keys, in one statement", testFindPersonsByAny},
	{"links as written come back to the caller", testPutSourceLinksTimes},
	{"a source's external id of a person", testSourceExternalIDOf},
	{"holders of a userName in a source's user view", testUserNameHolders},
}

func testUserNameHolders(t *testing.T, s store.Store) {
	ctx := t.Context()
	ps, err := s.CreatePersons(ctx, []store.Person{{UserName: "a"}, {UserName: "b"}, {UserName: "c"}, {UserName: "d"}})
	must(t, "create persons", err)
	doc := []byte(`{"userName":"Ann@X.test"}`)
	must(t, "put links", s.PutSourceLinks(ctx, []store.SourceLink{
		{Source: "idp", ExternalID: "1", PersonID: ps[0].ID, Raw: doc, Attributes: map[string]string{"userName": "Ann@X.test"}},
		{Source: "idp", ExternalID: "2", PersonID: ps[1].ID, Attributes: map[string]string{"userName": "ann@x.test"}}, // no document: not in the view
		{Source: "hr", ExternalID: "3", PersonID: ps[2].ID, Raw: doc, Attributes: map[string]string{"userName": "ann@x.test"}},
		{Source: "idp", ExternalID: "4", PersonID: ps[3].ID, Raw: []byte(`{"userName":"bob"}`), Attributes: map[string]string{"userName": "bob"}},
	}))
	for _, tc := range []struct {
		name string
		want []string
	}{{"ann@x.test", []string{ps[0].ID}}, {"ANN@X.TEST", []string{ps[0].ID}}, {"Bob", []string{ps[3].ID}}, {"carl", nil}} {
		got, err := s.FindUserNameHolders(ctx, "idp", tc.name)
		must(t, "holders", err)
		view, _, err := s.ListUserView(ctx, store.ViewQuery{Source: "idp", Limit: 10,
			Filter: store.Filter{Op: store.FilterEq, Path: []string{"userName"}, Value: tc.name}})
		must(t, "view", err)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) || len(view) != len(got) {
			t.Fatalf("holders of %q: %v (view %d), want %v", tc.name, got, len(view), tc.want)
		}
	}
}

func testSourceExternalIDOf(t *testing.T, s store.Store) {
	ctx := t.Context()
	ps, err := s.CreatePersons(ctx, []store.Person{{UserName: "m1"}, {UserName: "m2"}})
	must(t, "create persons", err)
	must(t, "put links", s.PutSourceLinks(ctx, []store.SourceLink{
		{Source: "idp", ExternalID: "k", PersonID: ps[0].ID},
		{Source: "idp", ExternalID: "j", PersonID: ps[0].ID},
		{Source: "hr", ExternalID: "a", PersonID: ps[0].ID},
		{Source: "hr", ExternalID: "b", PersonID: ps[1].ID},
	}))
	for _, tc := range []struct {
		source, person, want string
		ok                   bool
	}{{"idp", ps[0].ID, "j", true}, {"hr", ps[1].ID, "b", true}, {"idp", ps[1].ID, "", false}, {"idp", "nobody", "", false}} {
		got, ok, err := s.GetSourceExternalIDOf(ctx, tc.source, tc.person)
		must(t, "external id of", err)
		if got != tc.want || ok != tc.ok {
			t.Fatalf("%s of %s: %q %v, want %q %v", tc.source, tc.person, got, ok, tc.want, tc.ok)
		}
	}
}

func testFindPersonsByAny(t *testing.T, s store.Store) {
	ctx := t.Context()
	ps, err := s.CreatePersons(ctx, []store.Person{
		{UserName: "Ann", Email: "ann@x.test", EmployeeNumber: "E1"},
		{UserName: "bob", Email: "BOB@x.test", EmployeeNumber: "E2"},
		{UserName: "cid", Email: "cid@x.test", EmployeeNumber: "E3"},
	})
	must(t, "create persons", err)
	found, err := s.FindPersonsByAny(ctx, map[store.MatchKey]string{
		store.MatchUserName: "ANN", store.MatchEmail: "bob@X.test", store.MatchEmployeeNumber: "",
	})
	must(t, "find by any", err)
	if len(found) != 2 || found[0].ID > found[1].ID {
		t.Fatalf("found %+v", found)
	}
	for _, p := range found {
		if p.ID != ps[0].ID && p.ID != ps[1].ID {
			t.Fatalf("found %s, not Ann or Bob", p.ID)
		}
	}
	same(t, "person as stored", found[0], map[string]store.Person{ps[0].ID: ps[0], ps[1].ID: ps[1]}[found[0].ID])
	none, err := s.FindPersonsByAny(ctx, map[store.MatchKey]string{store.MatchEmail: "", store.MatchUserName: "nobody"})
	must(t, "find nobody", err)
	if len(none) != 0 {
		t.Fatalf("found %+v", none)
	}
	if _, err := s.FindPersonsByAny(ctx, map[store.MatchKey]string{"shoeSize": "42"}); err == nil {
		t.Fatal("unknown key accepted")
	}
}

func testPutSourceLinksTimes(t *testing.T, s store.Store) {
	ctx := t.Context()
	ps, err := s.CreatePersons(ctx, []store.Person{{UserName: "l1"}, {UserName: "l2"}})
	must(t, "create persons", err)
	created := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	links := []store.SourceLink{
		{Source: "idp", ExternalID: "a", PersonID: ps[0].ID, Raw: []byte(`{"userName":"l1"}`)},
		{Source: "idp", ExternalID: "b", PersonID: ps[1].ID, CreatedAt: created},
	}
	must(t, "put links", s.PutSourceLinks(ctx, links))
	for _, l := range links {
		back, err := s.GetSourceLink(ctx, l.Source, l.ExternalID)
		must(t, "get link", err)
		if !back.CreatedAt.Equal(l.CreatedAt) || !back.UpdatedAt.Equal(l.UpdatedAt) || !back.AssertedAt.Equal(l.AssertedAt) || l.UpdatedAt.IsZero() {
			t.Fatalf("link %s: caller holds created %v updated %v asserted %v, store %v %v %v", l.ExternalID,
				l.CreatedAt, l.UpdatedAt, l.AssertedAt, back.CreatedAt, back.UpdatedAt, back.AssertedAt)
		}
	}
	if !links[1].CreatedAt.Equal(created) {
		t.Fatalf("given created time changed to %v", links[1].CreatedAt)
	}
}
