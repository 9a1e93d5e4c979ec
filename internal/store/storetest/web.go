package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var webTests = []test{
	{"session lifecycle", testWebSessionLifecycle},
	{"sessions by provider sid", testWebSessionsBySID},
	{"session expiry sweep", testWebSessionSweep},
	{"oidc identity", testOIDCIdentity},
	{"audit by target", testAuditByTarget},
}

func testAuditByTarget(t *testing.T, s store.Store) {
	ctx := t.Context()
	var want []int64
	for i, target := range []string{"nhi:a", "nhi:b", "project:p", "nhi:a", "person:x"} {
		e, err := s.AppendAudit(ctx, linker(store.AuditEvent{
			Time: stored(time.Now()), Actor: "tester", Action: fmt.Sprintf("step-%d", i), Target: target, Details: []byte(`{}`),
		}))
		must(t, "append", err)
		if target == "nhi:a" || target == "project:p" {
			want = append([]int64{e.Seq}, want...)
		}
	}
	got, err := s.ListAuditByTarget(ctx, []string{"nhi:a", "project:p"}, 0)
	must(t, "list", err)
	var seqs []int64
	for _, e := range got {
		seqs = append(seqs, e.Seq)
	}
	same(t, "newest first, only the targets", seqs, want)
	got, err = s.ListAuditByTarget(ctx, []string{"nhi:a", "project:p"}, 2)
	must(t, "list limited", err)
	if len(got) != 2 || got[0].Seq != want[0] {
		t.Fatalf("limit 2: %+v", got)
	}
	got, err = s.ListAuditByTarget(ctx, nil, 0)
	must(t, "no targets", err)
	if len(got) != 0 {
		t.Fatalf("no targets gave %d events", len(got))
	}
}

func testWebSessionLifecycle(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := stored(time.Now())
	in := store.WebSession{IDHash: "h1", Data: []byte(`{"a":1}`), CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
	got, err := s.CreateWebSession(ctx, in)
	must(t, "create", err)
	same(t, "create", got, in)
	_, err = s.CreateWebSession(ctx, in)
	wantErr(t, "duplicate", err, store.ErrConflict)

	read, err := s.GetWebSession(ctx, "h1")
	must(t, "get", err)
	same(t, "get", read, in)

	upd := read
	upd.PersonID, upd.SID, upd.Data, upd.LastSeenAt = "p1", "sid-1", []byte(`{"b":2}`), now.Add(time.Minute)
	upd.CreatedAt = now.Add(-time.Hour) // not writable
	got, err = s.UpdateWebSession(ctx, upd)
	must(t, "update", err)
	upd.CreatedAt = now
	same(t, "update", got, upd)

	_, err = s.UpdateWebSession(ctx, store.WebSession{IDHash: "nope", ExpiresAt: now})
	wantErr(t, "update missing", err, store.ErrNotFound)
	must(t, "delete", s.DeleteWebSession(ctx, "h1"))
	must(t, "delete again", s.DeleteWebSession(ctx, "h1"))
	_, err = s.GetWebSession(ctx, "h1")
	wantErr(t, "get deleted", err, store.ErrNotFound)
}

func testWebSessionSweep(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := stored(time.Now())
	for _, x := range []struct {
		id            string
		seen, expires time.Duration
	}{
		{"fresh", 0, time.Hour},
		{"idle", -2 * time.Hour, time.Hour},
		{"ended", 0, -time.Minute},
	} {
		_, err := s.CreateWebSession(ctx, store.WebSession{IDHash: x.id, CreatedAt: now.Add(-3 * time.Hour), LastSeenAt: now.Add(x.seen), ExpiresAt: now.Add(x.expires)})
		must(t, "create "+x.id, err)
	}
	n, err := s.DeleteWebSessionsBefore(ctx, now, now.Add(-time.Hour))
	must(t, "sweep", err)
	if n != 2 {
		t.Fatalf("swept %d sessions, want 2", n)
	}
	_, err = s.GetWebSession(ctx, "fresh")
	must(t, "fresh survives", err)
	for _, id := range []string{"idle", "ended"} {
		_, err = s.GetWebSession(ctx, id)
		wantErr(t, id+" swept", err, store.ErrNotFound)
	}
}

func testOIDCIdentity(t *testing.T, s store.Store) {
	ctx := t.Context()
	p := newPerson(t, s, store.Person{UserName: "ada", Email: "ada@example.com", Status: store.StatusActive})
	q := newPerson(t, s, store.Person{UserName: "bob", Email: "bob@example.com", Status: store.StatusActive})
	_, err := s.GetOIDCIdentity(ctx, "https://idp", "sub-1")
	wantErr(t, "get missing", err, store.ErrNotFound)

	first, err := s.PutOIDCIdentity(ctx, store.OIDCIdentity{Issuer: "https://idp", Subject: "sub-1", PersonID: p.ID, LinkedBy: "email", LinkedValue: "ada@example.com"})
	must(t, "put", err)
	wantStamp(t, "CreatedAt", first.CreatedAt)
	got, err := s.GetOIDCIdentity(ctx, "https://idp", "sub-1")
	must(t, "get", err)
	same(t, "get", got, first)

	// The same subject at another issuer is another identity.
	_, err = s.GetOIDCIdentity(ctx, "https://other", "sub-1")
	wantErr(t, "other issuer", err, store.ErrNotFound)

	later := first.LastLoginAt.Add(time.Hour)
	again, err := s.PutOIDCIdentity(ctx, store.OIDCIdentity{Issuer: "https://idp", Subject: "sub-1", PersonID: q.ID, LinkedBy: "email", LinkedValue: "bob@example.com", LastLoginAt: later})
	must(t, "replace", err)
	if again.PersonID != q.ID || !again.LastLoginAt.Equal(later) || !again.CreatedAt.Equal(first.CreatedAt) {
		t.Fatalf("replace gave %+v", again)
	}
	_, err = s.PutOIDCIdentity(ctx, store.OIDCIdentity{Issuer: "https://idp", Subject: "sub-2", PersonID: "no-such-person"})
	wantErr(t, "unknown person", err, store.ErrNotFound)
}

func testWebSessionsBySID(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := stored(time.Now())
	for _, w := range []store.WebSession{
		{IDHash: "a", PersonID: "p1", SID: "s1"}, {IDHash: "b", PersonID: "p1", SID: "s2"},
		{IDHash: "c", PersonID: "p2", SID: "s1"}, {IDHash: "d", PersonID: "p1"},
	} {
		w.CreatedAt, w.LastSeenAt, w.ExpiresAt = now, now, now.Add(time.Hour)
		_, err := s.CreateWebSession(ctx, w)
		must(t, "create", err)
	}
	n, err := s.DeleteWebSessionsBySID(ctx, "s1", "p1")
	must(t, "delete sid of person", err)
	if n != 1 {
		t.Fatalf("deleted %d sessions of p1 under s1, want 1", n)
	}
	n, err = s.DeleteWebSessionsBySID(ctx, "s1", "")
	must(t, "delete sid", err)
	if n != 1 {
		t.Fatalf("deleted %d sessions under s1, want 1 (p2's)", n)
	}
	for h, live := range map[string]bool{"a": false, "b": true, "c": false, "d": true} {
		_, err := s.GetWebSession(ctx, h)
		if (err == nil) != live {
			t.Errorf("session %s: live=%v, err %v", h, live, err)
		}
	}
	if _, err := s.DeleteWebSessionsBySID(ctx, "", ""); err == nil {
		t.Error("an empty sid deleted sessions")
	}
}
