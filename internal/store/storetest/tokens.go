package storetest

import (
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var tokenTests = []test{
	{"create and get", testTokenCreateGet},
	{"conflicts", testTokenConflicts},
	{"revoke", testTokenRevoke},
	{"touch", testTokenTouch},
}

func newToken(t *testing.T, s store.Tx, name string, scope store.Scope) store.Token {
	t.Helper()
	tok, err := s.CreateToken(t.Context(), store.Token{Name: name, Scopes: []store.Scope{scope}, Source: "idp", Hash: []byte("hash-of-" + name)})
	must(t, "create token "+name, err)
	return tok
}

func testTokenCreateGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	tok := newToken(t, s, "okta", store.ScopeSCIM)
	if tok.ID == "" || tok.RevokedAt != nil || tok.LastUsedAt != nil {
		t.Fatalf("create returned %+v", tok)
	}
	wantStamp(t, "CreatedAt", tok.CreatedAt)
	same(t, "create", tok, store.Token{ID: tok.ID, Name: "okta", Scopes: []store.Scope{store.ScopeSCIM}, Source: "idp", Hash: []byte("hash-of-okta"), CreatedAt: tok.CreatedAt})

	got, err := s.GetToken(ctx, tok.ID)
	must(t, "get", err)
	same(t, "get", got, tok)
	got, err = s.GetTokenByHash(ctx, []byte("hash-of-okta"))
	must(t, "get by hash", err)
	same(t, "get by hash", got, tok)

	_, err = s.GetToken(ctx, "nope")
	wantErr(t, "get missing", err, store.ErrNotFound)
	_, err = s.GetTokenByHash(ctx, []byte("hash-of-okt"))
	wantErr(t, "get by prefix of hash", err, store.ErrNotFound)

	api := newToken(t, s, "cli", store.ScopeAPI)
	list, err := s.ListTokens(ctx)
	must(t, "list", err)
	same(t, "list by name", list, []store.Token{api, tok})
}

func testTokenConflicts(t *testing.T, s store.Store) {
	newToken(t, s, "okta", store.ScopeSCIM)
	cases := []struct {
		name string
		tok  store.Token
	}{
		{"same name", store.Token{Name: "okta", Scopes: []store.Scope{store.ScopeSCIM}, Hash: []byte("other")}},
		{"same hash", store.Token{Name: "other", Scopes: []store.Scope{store.ScopeSCIM}, Hash: []byte("hash-of-okta")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateToken(t.Context(), tc.tok)
			wantErr(t, "create", err, store.ErrConflict)
		})
	}
}

func testTokenRevoke(t *testing.T, s store.Store) {
	ctx := t.Context()
	byID := newToken(t, s, "one", store.ScopeAPI)
	byName := newToken(t, s, "two", store.ScopeAPI)

	got, err := s.RevokeToken(ctx, byID.ID, at(0))
	must(t, "revoke by id", err)
	if got.RevokedAt == nil || !got.RevokedAt.Equal(stored(at(0))) {
		t.Fatalf("revoked at %v, want %v", got.RevokedAt, stored(at(0)))
	}
	want := byID
	want.RevokedAt = storedPtr(new(at(0)))
	same(t, "revoke by id", got, want)
	read, err := s.GetToken(ctx, byID.ID)
	must(t, "get", err)
	same(t, "stored revocation", read, want)

	got, err = s.RevokeToken(ctx, "two", at(time.Hour))
	must(t, "revoke by name", err)
	if got.ID != byName.ID || got.RevokedAt == nil {
		t.Fatalf("revoke by name returned %+v", got)
	}
	_, err = s.RevokeToken(ctx, "three", at(0))
	wantErr(t, "revoke missing", err, store.ErrNotFound)
}

func testTokenTouch(t *testing.T, s store.Store) {
	ctx := t.Context()
	tok := newToken(t, s, "okta", store.ScopeSCIM)
	must(t, "touch", s.TouchToken(ctx, tok.ID, at(0)))
	must(t, "touch again", s.TouchToken(ctx, tok.ID, at(time.Minute)))
	got, err := s.GetToken(ctx, tok.ID)
	must(t, "get", err)
	want := tok
	want.LastUsedAt = storedPtr(new(at(time.Minute)))
	same(t, "touched", got, want)
	wantErr(t, "touch missing", s.TouchToken(ctx, "nope", at(0)), store.ErrNotFound)
}
