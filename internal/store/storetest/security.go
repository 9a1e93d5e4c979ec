package storetest

import (
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

var securityTests = []test{
	{"revoke person access", testRevokePersonAccess},
	{"audit query", testAuditQuery},
}

func testRevokePersonAccess(t *testing.T, s store.Store) {
	ctx := t.Context()
	ann := newPerson(t, s, store.Person{UserName: "ann", Status: store.StatusActive})
	bob := newPerson(t, s, store.Person{UserName: "bob", Status: store.StatusActive})
	for i, p := range []string{ann.ID, ann.ID, bob.ID, ""} {
		_, err := s.CreateWebSession(ctx, store.WebSession{IDHash: string(rune('a' + i)), PersonID: p, ExpiresAt: at(time.Hour)})
		must(t, "create session", err)
	}
	for _, tk := range []struct{ name, owner string }{{"ann-1", ann.ID}, {"ann-2", ann.ID}, {"bob-1", bob.ID}, {"system", ""}} {
		_, err := s.CreateToken(ctx, store.Token{Name: tk.name, OwnerID: tk.owner, Scopes: []store.Scope{store.ScopeRead}, Hash: []byte("h-" + tk.name)})
		must(t, "create token", err)
	}
	must(t, "revoke one first", func() error { _, err := s.RevokeToken(ctx, "ann-2", at(0)); return err }())
	n, err := s.CountAnonymousWebSessions(ctx)
	must(t, "count anonymous", err)
	same(t, "anonymous sessions", n, 1)

	sessions, tokens, err := s.RevokePersonAccess(ctx, ann.ID, at(time.Minute))
	must(t, "revoke", err)
	same(t, "revoked", [2]int{sessions, tokens}, [2]int{2, 1})
	for _, h := range []string{"a", "b"} {
		_, err := s.GetWebSession(ctx, h)
		wantErr(t, "ann's session", err, store.ErrNotFound)
	}
	if _, err := s.GetWebSession(ctx, "c"); err != nil {
		t.Fatalf("bob's session: %v", err)
	}
	ts, err := s.ListTokens(ctx)
	must(t, "list", err)
	for _, tk := range ts {
		revoked := tk.RevokedAt != nil
		if revoked != (tk.OwnerID == ann.ID) {
			t.Errorf("token %s revoked=%v", tk.Name, revoked)
		}
		if tk.Name == "ann-2" && !tk.RevokedAt.Equal(at(0).Truncate(time.Microsecond)) {
			t.Errorf("earlier revocation overwritten: %v", tk.RevokedAt)
		}
	}
	n, err = s.DeleteWebSessionsOfPerson(ctx, bob.ID)
	must(t, "delete bob's", err)
	same(t, "bob's sessions", n, 1)
}

func testAuditQuery(t *testing.T, s store.Store) {
	ctx := t.Context()
	for i, a := range []string{audit.ActionTokenCreated, audit.ActionTokenRevoked, audit.ActionTokenCreated, audit.ActionTokenCreated} {
		must(t, "append", s.InTx(ctx, func(tx store.Tx) error {
			_, err := audit.Append(ctx, tx, at(time.Duration(i)*time.Hour), audit.Entry{Actor: "t", Action: a, Target: "o"})
			return err
		}))
	}
	got, err := s.ListAuditEvents(ctx, store.AuditQuery{Actions: []string{audit.ActionTokenCreated}, From: at(time.Hour), Limit: 1})
	must(t, "query", err)
	if len(got) != 1 || got[0].Action != audit.ActionTokenCreated || !got[0].Time.Equal(at(2*time.Hour).Truncate(time.Microsecond)) {
		t.Fatalf("first page: %+v", got)
	}
	got, err = s.ListAuditEvents(ctx, store.AuditQuery{Actions: []string{audit.ActionTokenCreated}, From: at(time.Hour), To: at(3 * time.Hour), AfterSeq: got[0].Seq})
	must(t, "next page", err)
	if len(got) != 0 {
		t.Fatalf("second page (To exclusive): %+v", got)
	}
	got, err = s.ListAuditEvents(ctx, store.AuditQuery{Actions: []string{audit.ActionTokenRevoked, "auth.identity-linked"}})
	must(t, "any of", err)
	if len(got) != 1 || got[0].Action != audit.ActionTokenRevoked {
		t.Fatalf("any of: %+v", got)
	}
}
