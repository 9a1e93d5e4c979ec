package scim_test

import (
	"net/url"
	"testing"

	"github.com/syncd-dev/syncd/internal/scim"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestUserListFastPathAgrees: a GET /Users with a simple filter, which
// the server answers without the SCIM library, returns byte for byte what
// the library path returns for the same filter in parentheses (which the
// fast path leaves to the library's parser), for every paging and
// projection parameter an IdP may send: persons with groups, a manager,
// numbers and characters JSON escapes, an NHI, no match, bad paging.
func TestUserListFastPathAgrees(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		e := newEnv(t, st, scim.Config{MaxResults: 3, NonHuman: scim.NonHumanRule{UserTypes: []string{"Service"}}})
		ent := "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
		boss := e.do("POST", "/Users", map[string]any{"schemas": []string{scim.UserSchema}, "userName": "ab-boss@x.test",
			"displayName": "Abbey <Boss> & Co", "externalId": "B1"}).want(t, 201).str("id")
		alice := e.do("POST", "/Users", map[string]any{"schemas": []string{scim.UserSchema, ent}, "userName": "ab-alice@x.test",
			"displayName": "Alice Abbott", "active": true, "name": map[string]any{"givenName": "Alice", "familyName": "Ab\u00e9"},
			"emails":  []any{map[string]any{"value": "ab-alice@x.test", "type": "work", "primary": true}},
			"x-count": 12345678901, "ratio": 0.5,
			ent: map[string]any{"employeeNumber": "7", "department": "D", "manager": map[string]any{"value": boss}}}).want(t, 201).str("id")
		e.do("POST", "/Users", map[string]any{"schemas": []string{scim.UserSchema}, "userName": "ab-carol@x.test"}).want(t, 201)
		e.do("POST", "/Users", map[string]any{"schemas": []string{scim.UserSchema}, "userName": "ab-svc", "userType": "Service"}).want(t, 201)
		for _, g := range []string{"Zeta", "Alpha"} {
			e.do("POST", "/Groups", map[string]any{"schemas": []string{scim.GroupSchema}, "displayName": g,
				"members": []any{map[string]any{"value": alice}, map[string]any{"value": boss}}}).want(t, 201)
		}
		filters := []string{`userName eq "ab-alice@x.test"`, `userName eq "AB-SVC"`, `userName eq "nobody"`,
			`userName sw "ab-"`, `displayName co "ab"`, `externalId eq "B1"`}
		params := []string{"", "&count=1", "&count=2&startIndex=2", "&startIndex=4", "&count=0", "&startIndex=0", "&startIndex=-3",
			"&count=-1", "&count=500", "&count=x", "&startIndex=1.5", "&attributes=userName,emails.value",
			"&excludedAttributes=groups", "&excludedAttributes=groups,meta,name.givenName", "&attributes=" + url.QueryEscape(ent+":manager"),
			"&attributes=" + url.QueryEscape(scim.SyncdSchema+":jobFunctions.value"), "&excludedAttributes=" + url.QueryEscape(scim.SyncdSchema),
			"&attributes=groups.display,id", "&attributes=DISPLAYNAME"}
		for _, f := range filters {
			for _, p := range params {
				fast := e.do("GET", "/Users?filter="+url.QueryEscape(f)+p, nil)
				slow := e.do("GET", "/Users?filter="+url.QueryEscape("("+f+")")+p, nil)
				if fast.Status != slow.Status || fast.Raw != slow.Raw {
					t.Fatalf("filter %s%s:\nfast %d %s\nlibrary %d %s", f, p, fast.Status, fast.Raw, slow.Status, slow.Raw)
				}
				if fast.Status == 200 && p == "" && f == filters[0] {
					// Groups in id order: Zeta was created first.
					if got := fast.str("Resources", "0", "groups", "0", "display"); got != "Zeta" {
						t.Fatalf("alice's first group %q, want Zeta: %s", got, fast.Raw)
					}
				}
			}
		}
	})
}
