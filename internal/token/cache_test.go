package token_test

import (
	"errors"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
	"github.com/syncd-dev/syncd/internal/token"
)

// TestCacheRevocationWithinTTL: a cached verification answers without a
// database read, and a revocation takes effect once the entry is older
// than the TTL, on both databases.
func TestCacheRevocationWithinTTL(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		now := time.Now()
		secret, tok, err := token.Issue(ctx, st, now, "test", "idp", store.ScopeSCIM, "")
		if err != nil {
			t.Fatal(err)
		}
		c := token.NewCache(5 * time.Second)
		got, err := c.AuthenticateAt(ctx, st, secret, store.ScopeSCIM, now)
		if err != nil || got.ID != tok.ID {
			t.Fatalf("first check: %v %v", got.ID, err)
		}
		before := st.Statements()
		if _, err := c.AuthenticateAt(ctx, st, secret, store.ScopeSCIM, now.Add(time.Second)); err != nil {
			t.Fatalf("cached check: %v", err)
		}
		if n := st.Statements() - before; n != 0 {
			t.Fatalf("cached check ran %d statements, want 0", n)
		}
		// Scope is checked on every use, cached or not.
		if _, err := c.AuthenticateAt(ctx, st, secret, store.ScopeAPI, now.Add(time.Second)); !errors.Is(err, token.ErrScope) {
			t.Fatalf("cached check with the wrong scope: %v, want ErrScope", err)
		}
		if _, err := token.Revoke(ctx, st, now, "test", "idp"); err != nil {
			t.Fatal(err)
		}
		// Within the TTL the cached verification stands (the documented bound) ...
		if _, err := c.AuthenticateAt(ctx, st, secret, store.ScopeSCIM, now.Add(4*time.Second)); err != nil {
			t.Fatalf("within the TTL: %v", err)
		}
		// ... and at the TTL the revocation holds.
		if _, err := c.AuthenticateAt(ctx, st, secret, store.ScopeSCIM, now.Add(5*time.Second)); !errors.Is(err, token.ErrInvalid) {
			t.Fatalf("at the TTL: %v, want ErrInvalid", err)
		}
		if _, err := c.AuthenticateAt(ctx, st, secret, store.ScopeSCIM, now.Add(5*time.Second+time.Millisecond)); !errors.Is(err, token.ErrInvalid) {
			t.Fatalf("after the TTL: %v, want ErrInvalid", err)
		}
	})
}

// TestCacheAnswersOnlyTheExactSecret: a remembered secret does not vouch
// for another secret with the same token id, and expiry is checked against
// the remembered token on every use.
func TestCacheAnswersOnlyTheExactSecret(t *testing.T) {
	st := gormtest.SQLite(t)
	ctx := t.Context()
	now := time.Now()
	secret, _, err := token.IssueSpec(ctx, st, now, "test", token.Spec{Name: "idp", Scopes: []store.Scope{store.ScopeSCIM},
		Expires: time.Hour}, token.DefaultLifetime)
	if err != nil {
		t.Fatal(err)
	}
	c := token.NewCache(time.Minute)
	if _, err := c.AuthenticateAt(ctx, st, secret, store.ScopeSCIM, now); err != nil {
		t.Fatal(err)
	}
	forged := secret[:len(secret)-1] + "A"
	if forged == secret {
		forged = secret[:len(secret)-1] + "B"
	}
	if _, err := c.AuthenticateAt(ctx, st, forged, store.ScopeSCIM, now); !errors.Is(err, token.ErrInvalid) {
		t.Fatalf("forged secret with a cached id: %v, want ErrInvalid", err)
	}
	if _, err := c.AuthenticateAt(ctx, st, secret, store.ScopeSCIM, now.Add(time.Hour)); !errors.Is(err, token.ErrExpired) {
		t.Fatalf("expired while cached: %v, want ErrExpired", err)
	}
}
