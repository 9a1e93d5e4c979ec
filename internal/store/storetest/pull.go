package storetest

import (
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var pullTests = []test{
	{"source state", testSourceState},
	{"link keys", testLinkKeys},
	{"leases", testLeases},
}

func testSourceState(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, err := s.GetSourceState(ctx, "corp")
	wantErr(t, "get before first put", err, store.ErrNotFound)
	full := at(0)
	in := store.SourceState{Source: "corp", Watermark: `{"ts":"20260101000000Z"}`, LastFullAt: &full, UpdatedAt: at(time.Minute)}
	got, err := s.PutSourceState(ctx, in)
	must(t, "put", err)
	want := store.SourceState{Source: "corp", Watermark: in.Watermark, LastFullAt: storedPtr(&full), UpdatedAt: stored(in.UpdatedAt)}
	same(t, "put", got, want)
	read, err := s.GetSourceState(ctx, "corp")
	must(t, "get", err)
	same(t, "get", read, want)

	next := store.SourceState{Source: "corp", Watermark: "w2"}
	got, err = s.PutSourceState(ctx, next)
	must(t, "replace", err)
	wantStamp(t, "UpdatedAt", got.UpdatedAt)
	read, err = s.GetSourceState(ctx, "corp")
	must(t, "get after replace", err)
	if read.Watermark != "w2" || read.LastFullAt != nil {
		t.Fatalf("after replace: %+v", read)
	}
	_, err = s.GetSourceState(ctx, "other")
	wantErr(t, "other source", err, store.ErrNotFound)
}

func testLinkKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	p := newPerson(t, s, store.Person{UserName: "ada"})
	q := newPerson(t, s, store.Person{UserName: "bob"})
	putLink(t, s, store.SourceLink{Source: "corp", ExternalID: "b", PersonID: q.ID,
		Attributes: map[string]string{"dn": "uid=bob,ou=people,dc=example,dc=org"}, Raw: []byte("rb"), AssertedAt: at(0)})
	putLink(t, s, store.SourceLink{Source: "corp", ExternalID: "a", PersonID: p.ID,
		Attributes: map[string]string{"userName": "ada"}, AssertedAt: at(0)})
	putLink(t, s, store.SourceLink{Source: "hr", ExternalID: "a0", PersonID: p.ID, AssertedAt: at(0)})

	keys, err := s.ListLinkKeys(ctx, "corp", "", 0)
	must(t, "list", err)
	same(t, "list", keys, []store.LinkKey{
		{ExternalID: "a", PersonID: p.ID},
		{ExternalID: "b", PersonID: q.ID, DN: "uid=bob,ou=people,dc=example,dc=org", RawDigest: store.RawDigest([]byte("rb"))},
	})
	// The digest follows every write of the document, by one link or
	// many, so a pull comparing digests never misses a change.
	putLink(t, s, store.SourceLink{Source: "corp", ExternalID: "b", PersonID: q.ID, Raw: []byte("rb2"), AssertedAt: at(1)})
	must(t, "put links", s.PutSourceLinks(ctx, []store.SourceLink{{Source: "corp", ExternalID: "a", PersonID: p.ID, Raw: []byte("ra")}}))
	keys, err = s.ListLinkKeys(ctx, "corp", "", 0)
	must(t, "list after rewrite", err)
	same(t, "list after rewrite", keys, []store.LinkKey{
		{ExternalID: "a", PersonID: p.ID, RawDigest: store.RawDigest([]byte("ra"))},
		{ExternalID: "b", PersonID: q.ID, RawDigest: store.RawDigest([]byte("rb2"))},
	})
	if store.RawDigest([]byte("rb")) == store.RawDigest([]byte("rb2")) || store.RawDigest(nil) != "" {
		t.Fatalf("RawDigest: %q %q %q", store.RawDigest([]byte("rb")), store.RawDigest([]byte("rb2")), store.RawDigest(nil))
	}
	keys, err = s.ListLinkKeys(ctx, "corp", "a", 1)
	must(t, "page", err)
	if len(keys) != 1 || keys[0].ExternalID != "b" {
		t.Fatalf("page after a: %+v", keys)
	}
	keys, err = s.ListLinkKeys(ctx, "corp", "b", 10)
	must(t, "last page", err)
	if len(keys) != 0 {
		t.Fatalf("after the last key: %+v", keys)
	}
}

func testLeases(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := at(0)
	ok, err := s.AcquireLease(ctx, "pull:corp", "r1", now, time.Minute)
	must(t, "r1 acquires", err)
	if !ok {
		t.Fatal("r1 did not get a free lease")
	}
	ok, err = s.AcquireLease(ctx, "pull:corp", "r2", now.Add(30*time.Second), time.Minute)
	must(t, "r2 tries", err)
	if ok {
		t.Fatal("r2 took a lease r1 holds")
	}
	ok, err = s.AcquireLease(ctx, "pull:corp", "r1", now.Add(50*time.Second), time.Minute)
	must(t, "r1 renews", err)
	if !ok {
		t.Fatal("r1 could not renew its own lease")
	}
	ok, err = s.AcquireLease(ctx, "pull:corp", "r2", now.Add(90*time.Second), time.Minute)
	must(t, "r2 before renewed expiry", err)
	if ok {
		t.Fatal("r2 took a lease whose renewal has not expired")
	}
	ok, err = s.AcquireLease(ctx, "pull:corp", "r2", now.Add(111*time.Second), time.Minute)
	must(t, "r2 after expiry", err)
	if !ok {
		t.Fatal("r2 could not take an expired lease")
	}
	must(t, "r1 release (not holder)", s.ReleaseLease(ctx, "pull:corp", "r1"))
	ok, err = s.AcquireLease(ctx, "pull:corp", "r1", now.Add(112*time.Second), time.Minute)
	must(t, "r1 after wrong release", err)
	if ok {
		t.Fatal("a release by a non-holder freed the lease")
	}
	must(t, "r2 release", s.ReleaseLease(ctx, "pull:corp", "r2"))
	ok, err = s.AcquireLease(ctx, "pull:corp", "r1", now.Add(113*time.Second), time.Minute)
	must(t, "r1 after release", err)
	if !ok {
		t.Fatal("r1 could not take a released lease")
	}
	ok, err = s.AcquireLease(ctx, "other", "r2", now, time.Minute)
	must(t, "other lease", err)
	if !ok {
		t.Fatal("leases are not independent by name")
	}
	if _, err := s.AcquireLease(ctx, "x", "r1", now, 0); err == nil {
		t.Fatal("zero ttl accepted")
	}
}
