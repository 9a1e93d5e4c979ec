package scim_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/syncd-dev/syncd/internal/scim"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestOktaReplay replays the requests Okta's SCIM 2.0 integration sends
// (Okta's SCIM 2.0 guide), in order, on both databases.
func TestOktaReplay(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		e := newEnv(t, st, scim.Config{})
		e.token = e.issue("okta")

		// Does the user exist?
		r := e.do("GET", "/Users?filter="+urlQuery(`userName eq "test.user@okta.local"`)+"&startIndex=1&count=100", nil).want(t, 200)
		if r.Body["totalResults"].(float64) != 0 || !strings.Contains(r.Raw, `"Resources":[]`) {
			t.Fatalf("exists check: %s", r.Raw)
		}
		// Create, with a password and an empty groups list.
		r = e.do("POST", "/Users", map[string]any{
			"schemas": []string{userSchema}, "userName": "test.user@okta.local",
			"name":        map[string]any{"givenName": "Test", "familyName": "User"},
			"emails":      []any{map[string]any{"primary": true, "value": "test.user@okta.local", "type": "work"}},
			"displayName": "Test User", "locale": "en-US", "externalId": "00ujl29u0le5T6Aj10h7", "groups": []any{},
			"password": "1mz050nq", "active": true,
		}).want(t, http.StatusCreated)
		user := r.str("id")
		if strings.Contains(strings.ToLower(r.Raw), "password") || strings.Contains(r.Raw, "1mz050nq") {
			t.Fatalf("password echoed: %s", r.Raw)
		}
		l, err := st.GetSourceLink(ctx, "okta", linkKey(t, st, "okta", user))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(l.Raw), "1mz050nq") {
			t.Fatalf("password stored: %s", l.Raw)
		}

		// Update by GET then PUT of the full object, with id and meta.
		r = e.do("GET", "/Users/"+user, nil).want(t, 200)
		r = e.do("PUT", "/Users/"+user, map[string]any{
			"schemas": []string{userSchema}, "id": user, "userName": "test.user@okta.local",
			"name":   map[string]any{"givenName": "Another", "middleName": "Excited", "familyName": "User"},
			"emails": []any{map[string]any{"primary": true, "value": "test.user@okta.local", "type": "work", "display": "test.user@okta.local"}},
			"active": true, "groups": []any{}, "meta": r.Body["meta"], "password": "again",
		}).want(t, 200)
		if r.str("name", "givenName") != "Another" || r.str("name", "middleName") != "Excited" || r.str("displayName") != "" {
			t.Fatalf("after PUT: %s", r.Raw)
		}
		if strings.Contains(r.Raw, `"display"`) || strings.Contains(r.Raw, "again") {
			t.Fatalf("PUT kept what it should not: %s", r.Raw)
		}
		p, _ := st.GetPerson(ctx, user)
		if p.GivenName != "Another" || p.DisplayName != "" {
			t.Fatalf("person after PUT: %+v", p)
		}

		// Deactivate with a path-less replace.
		r = e.do("PATCH", "/Users/"+user, patch(op("replace", "", map[string]any{"active": false}))).want(t, 200)
		if r.Body["active"] != false {
			t.Fatalf("deactivate: %s", r.Raw)
		}
		wantStatus(t, st, user, store.StatusDisabled)
		e.do("PATCH", "/Users/"+user, patch(op("replace", "", map[string]any{"active": true}))).want(t, 200)
		wantStatus(t, st, user, store.StatusActive)

		// Groups: create, membership change in one PATCH, rename.
		user2 := e.do("POST", "/Users", map[string]any{"schemas": []string{userSchema}, "userName": "second@okta.local"}).want(t, 201).str("id")
		r = e.do("POST", "/Groups", map[string]any{"schemas": []string{groupSchema}, "displayName": "Test SCIMv2",
			"members": []any{map[string]any{"value": user, "display": "test.user@okta.local"}}}).want(t, 201)
		group := r.str("id")
		if r.str("members", "0", "value") != user {
			t.Fatalf("created group: %s", r.Raw)
		}
		e.do("PATCH", "/Groups/"+group, patch(
			op("remove", `members[value eq "`+user+`"]`, nil),
			op("add", "members", []any{map[string]any{"value": user2, "display": "second@okta.local"}}),
		)).want(t, 204)
		r = e.do("GET", "/Groups/"+group, nil).want(t, 200)
		if m := r.Body["members"].([]any); len(m) != 1 || r.str("members", "0", "value") != user2 {
			t.Fatalf("after membership patch: %s", r.Raw)
		}
		e.do("PATCH", "/Groups/"+group, patch(op("replace", "", map[string]any{"id": group, "displayName": "Test SCIMv2 renamed"}))).want(t, 204)
		r = e.do("GET", "/Groups/"+group, nil).want(t, 200)
		if r.str("displayName") != "Test SCIMv2 renamed" {
			t.Fatalf("rename: %s", r.Raw)
		}
		// Okta may also replace the whole group with PUT.
		r = e.do("PUT", "/Groups/"+group, map[string]any{"schemas": []string{groupSchema}, "id": group, "displayName": "Test SCIMv2 renamed",
			"members": []any{map[string]any{"value": user}, map[string]any{"value": user2}}}).want(t, 200)
		if m := r.Body["members"].([]any); len(m) != 2 {
			t.Fatalf("after group PUT: %s", r.Raw)
		}
		r = e.do("GET", "/Users/"+user, nil).want(t, 200)
		if r.str("groups", "0", "value") != group || r.str("groups", "0", "display") != "Test SCIMv2 renamed" {
			t.Fatalf("User.groups after PUT: %s", r.Raw)
		}
		// A member that is not a user of this source is refused.
		r = e.do("PATCH", "/Groups/"+group, patch(op("add", "members", []any{map[string]any{"value": "nobody"}}))).want(t, 400)
		if !strings.Contains(r.str("detail"), "nobody") {
			t.Fatalf("detail: %s", r.Raw)
		}

		// Import probing with count=1.
		var ids []string
		for start := 1; start <= 3; start++ {
			r = e.do("GET", "/Users?startIndex="+itoa(start)+"&count=1", nil).want(t, 200)
			if r.Body["totalResults"].(float64) != 2 {
				t.Fatalf("probe: %s", r.Raw)
			}
			n := len(r.Body["Resources"].([]any))
			if r.Body["itemsPerPage"].(float64) != float64(n) {
				t.Fatalf("itemsPerPage %v for %d resources", r.Body["itemsPerPage"], n)
			}
			if n == 1 {
				ids = append(ids, r.str("Resources", "0", "id"))
			}
		}
		if len(ids) != 2 || ids[0] == ids[1] {
			t.Fatalf("paged ids %v", ids)
		}
	})
}

// linkKey is the link key of a person in source.
func linkKey(t *testing.T, st store.Store, source, personID string) string {
	t.Helper()
	links, err := st.ListSourceLinks(t.Context(), personID)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range links {
		if l.Source == source {
			return l.ExternalID
		}
	}
	t.Fatalf("person %s has no link of %s", personID, source)
	return ""
}
