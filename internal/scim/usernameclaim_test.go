package scim_test

import (
	"net/http"
	"testing"

	"github.com/syncd-dev/syncd/internal/scim"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestUserNameClaimedAcrossPersonsAndNHIs: a userName is unique within a
// source's whole user view, persons and NHIs alike, in any case (RFC 7643
// §4.1.1), on create and on rename; a user keeps its own name in another
// case; another source's users do not count.
func TestUserNameClaimedAcrossPersonsAndNHIs(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		e := newEnv(t, st, scim.Config{NonHuman: scim.NonHumanRule{UserTypes: []string{"Service"}}})
		e.do("POST", "/Users", newUser("bot-1", map[string]any{"userType": "Service"})).want(t, 201)
		e.do("POST", "/Users", newUser("BOT-1", nil)).want(t, http.StatusConflict)
		pid := e.do("POST", "/Users", newUser("p@x.test", nil)).want(t, 201).str("id")
		e.do("POST", "/Users", newUser("P@X.TEST", map[string]any{"userType": "Service"})).want(t, http.StatusConflict)
		e.do("POST", "/Users", newUser("p@X.test", nil)).want(t, http.StatusConflict)
		e.do("PATCH", "/Users/"+pid, patch(op("replace", "userName", "Bot-1"))).want(t, http.StatusConflict)
		e.do("PATCH", "/Users/"+pid, patch(op("replace", "userName", "P@x.test"))).want(t, 200)
		e.doAs(e.issue("okta"), "POST", "/Users", newUser("p@x.test", nil)).want(t, 201)
	})
}
