package scim_test

import (
	"net/http"
	"testing"

	"github.com/syncd-dev/syncd/internal/scim"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

func TestSmoke(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		e := newEnv(t, st, scim.Config{})
		r := e.do("POST", "/Users", map[string]any{"schemas": []string{userSchema}, "userName": "alice@example.com",
			"password": "secret", "emails": []any{map[string]any{"value": "alice@example.com", "type": "work", "primary": true}}})
		r.want(t, http.StatusCreated)
		t.Log(r.Raw, r.Header.Get("Location"))
		id := r.str("id")
		e.do("GET", "/Users/"+id, nil).want(t, 200)
		l := e.do("GET", `/Users?filter=userName+eq+"ALICE@example.com"`, nil).want(t, 200)
		t.Log(l.Raw)
	})
}
