package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var identityBatchTests = []test{
	{"batch reads and writes of persons and links", testIdentityBatch},
}

func testIdentityBatch(t *testing.T, s store.Store) {
	ctx := t.Context()
	var in []store.Person
	for i := range 450 { // more than one multi-row insert
		in = append(in, store.Person{UserName: fmt.Sprintf("User%03d", i), Email: fmt.Sprintf("u%03d@example.com", i), EmployeeNumber: fmt.Sprintf("E%03d", i)})
	}
	in[1].Status = store.StatusDisabled
	ps, err := s.CreatePersons(ctx, in)
	must(t, "create persons", err)
	if len(ps) != len(in) || ps[0].ID == "" || ps[0].Status != store.StatusActive || ps[1].Status != store.StatusDisabled {
		t.Fatalf("created %d persons: %+v %+v", len(ps), ps[0], ps[1])
	}
	got, err := s.GetPerson(ctx, ps[7].ID)
	must(t, "get", err)
	same(t, "stored person", got, ps[7])
	_, err = s.CreatePersons(ctx, []store.Person{{UserName: "x", Status: "gone"}})
	if err == nil {
		t.Fatal("invalid status accepted")
	}

	found, err := s.FindPersonsIn(ctx, store.MatchUserName, []string{"user001", "USER002", "nobody", ""})
	must(t, "find in", err)
	if len(found) != 2 || found[0].ID > found[1].ID {
		t.Fatalf("found %+v", found)
	}

	created := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	links := make([]store.SourceLink, 300)
	ids := make([]string, 300)
	for i := range links {
		ids[i] = fmt.Sprintf("x%03d", i)
		links[i] = store.SourceLink{Source: "ldap", ExternalID: ids[i], PersonID: ps[i].ID,
			Attributes: map[string]string{"dn": fmt.Sprintf("uid=%d", i)}, CreatedAt: created}
	}
	must(t, "put links", s.PutSourceLinks(ctx, links))
	links[0].Attributes = map[string]string{"dn": "uid=moved"}
	links[0].CreatedAt = time.Time{}
	must(t, "replace link", s.PutSourceLinks(ctx, links[:1]))
	back, err := s.GetSourceLinks(ctx, "ldap", append(ids, "missing"))
	must(t, "get links", err)
	if len(back) != 300 {
		t.Fatalf("got %d links", len(back))
	}
	_, err = s.PutSourceLink(ctx, store.SourceLink{Source: "a-idp", ExternalID: "i1", PersonID: ps[0].ID})
	must(t, "put other source", err)
	of, err := s.ListSourceLinksOf(ctx, []string{ps[0].ID, ps[1].ID, "nobody"})
	must(t, "links of persons", err)
	if len(of) != 3 || of[0].Source != "a-idp" || of[1].ExternalID != "x000" || of[2].ExternalID != "x001" {
		t.Fatalf("links of persons %+v", of)
	}
	gotPersons, err := s.GetPersons(ctx, []string{ps[3].ID, ps[2].ID, "nobody"})
	must(t, "get persons", err)
	if len(gotPersons) != 2 {
		t.Fatalf("get persons %+v", gotPersons)
	}
	l, err := s.GetSourceLink(ctx, "ldap", "x000")
	must(t, "get link", err)
	if l.Attributes["dn"] != "uid=moved" || !l.CreatedAt.Equal(created) {
		t.Fatalf("replaced link %+v", l)
	}

	// New links by plain inserts; one that exists is a conflict and
	// nothing of the call is written.
	fresh := []store.SourceLink{
		{Source: "ldap", ExternalID: "n1", PersonID: ps[400].ID, Attributes: map[string]string{"dn": "uid=n1"}},
		{Source: "ldap", ExternalID: "n2", PersonID: ps[401].ID},
	}
	must(t, "create links", s.CreateSourceLinks(ctx, fresh))
	n1, err := s.GetSourceLink(ctx, "ldap", "n1")
	must(t, "get created link", err)
	if n1.PersonID != ps[400].ID || n1.Attributes["dn"] != "uid=n1" || n1.Version != 1 || n1.CreatedAt.IsZero() {
		t.Fatalf("created link %+v", n1)
	}
	err = s.InTx(ctx, func(tx store.Tx) error {
		return tx.CreateSourceLinks(ctx, []store.SourceLink{
			{Source: "ldap", ExternalID: "n3", PersonID: ps[402].ID},
			{Source: "ldap", ExternalID: "x005", PersonID: ps[403].ID},
		})
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("creating an existing link: %v, want ErrConflict", err)
	}
	if _, err := s.GetSourceLink(ctx, "ldap", "n3"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a link of the refused call was written: %v", err)
	}
	if l, err := s.GetSourceLink(ctx, "ldap", "x005"); err != nil || l.PersonID != ps[5].ID {
		t.Fatalf("the existing link changed: %+v %v", l, err)
	}
}
