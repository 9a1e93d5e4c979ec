package scim_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/scim"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestEntraReplay replays the requests Microsoft Entra ID's provisioning
// service sends (as documented for SCIM endpoints, in default and
// aadOptscim062020 modes), in order, on both databases.
func TestEntraReplay(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		e := newEnv(t, st, scim.Config{})

		// Connection test: an unknown userName is an empty list, never 404.
		r := e.do("GET", `/Users?filter=userName+eq+"Test_User_00aa00aa-00aa-00aa-00aa-00aa00aa00aa"`, nil).want(t, 200)
		if !strings.Contains(r.Raw, `"Resources":[]`) || r.Body["totalResults"].(float64) != 0 || r.Body["itemsPerPage"].(float64) != 0 {
			t.Fatalf("connection test: %s", r.Raw)
		}

		// A person known from HR: Entra's user correlates and is linked.
		hr, err := e.id.ApplyOne(ctx, "workday", "", identity.Change{Record: identity.Record{ExternalID: "W1",
			Attributes: map[string]string{"employeeNumber": "E1", "email": "jdoe@corp.test", "department": "Finance", "status": "active"}}})
		if err != nil {
			t.Fatal(err)
		}
		r = e.do("POST", "/Users", map[string]any{
			"schemas": []string{userSchema, entSchema}, "externalId": "jdoe", "userName": "jdoe@corp.test", "active": true,
			"emails": []any{map[string]any{"primary": true, "type": "work", "value": "jdoe@corp.test"}},
			"meta":   map[string]any{"resourceType": "User"}, "name": map[string]any{"givenName": "John", "familyName": "Doe"},
			"roles": []any{},
		}).want(t, http.StatusCreated)
		if r.str("id") != hr.PersonID {
			t.Fatalf("correlated user got id %s, want the HR person %s", r.str("id"), hr.PersonID)
		}

		// Create.
		r = e.do("POST", "/Users", map[string]any{
			"schemas": []string{userSchema, entSchema}, "externalId": "0a21f0f2", "userName": "Test_User_ab6490ee@testuser.com",
			"active": true, "emails": []any{map[string]any{"primary": true, "type": "work", "value": "Test_User_fd0ea19b@testuser.com"}},
			"meta": map[string]any{"resourceType": "User"}, "name": map[string]any{"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
			entSchema: map[string]any{"employeeNumber": "701984", "department": "Tour Operations"},
		}).want(t, http.StatusCreated)
		user := r.str("id")
		if loc := r.Header.Get("Location"); loc != e.base+"/Users/"+user || r.str("meta", "location") != loc {
			t.Fatalf("Location %q, meta.location %q", loc, r.str("meta", "location"))
		}
		if r.str("meta", "created") == "" || r.str("meta", "lastModified") == "" || r.str("externalId") != "0a21f0f2" {
			t.Fatalf("meta/externalId: %s", r.Raw)
		}
		if !slices.Contains(r.Body["schemas"].([]any), any(entSchema)) {
			t.Fatalf("schemas miss the enterprise extension: %s", r.Raw)
		}
		// The same userName in another case is a conflict.
		r = e.do("POST", "/Users", map[string]any{"schemas": []string{userSchema}, "userName": "TEST_USER_AB6490EE@testuser.com"}).want(t, http.StatusConflict)
		if r.str("scimType") != "uniqueness" {
			t.Fatalf("scimType %q", r.str("scimType"))
		}

		// Get, and get by the filters Entra sends.
		e.do("GET", "/Users/"+user, nil).want(t, 200)
		for _, f := range []string{
			`userName eq "test_user_ab6490ee@testuser.com"`,
			`emails[type eq "work"].value eq "Test_User_fd0ea19b@testuser.com"`,
			`externalId eq "0a21f0f2"`,
			`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"`,
		} {
			r = e.do("GET", "/Users?filter="+urlQuery(f), nil).want(t, 200)
			if r.Body["totalResults"].(float64) != 1 || r.str("Resources", "0", "id") != user {
				t.Fatalf("filter %s: %s", f, r.Raw)
			}
		}

		// Update: multi-valued by value filter, sub-attribute, userName, active.
		r = e.do("PATCH", "/Users/"+user, patch(
			op("Replace", `emails[type eq "work"].value`, "updatedEmail@microsoft.com"),
			op("Replace", "name.familyName", "updatedFamilyName"),
			op("Replace", "userName", "5b50642d@testuser.com"),
			op("Replace", "active", false),
		)).want(t, 200)
		if r.str("userName") != "5b50642d@testuser.com" || r.str("emails", "0", "value") != "updatedEmail@microsoft.com" ||
			r.str("name", "familyName") != "updatedFamilyName" || r.Body["active"] != false {
			t.Fatalf("after patch: %s", r.Raw)
		}
		wantStatus(t, st, user, store.StatusDisabled)
		// Default mode sends booleans as strings.
		e.do("PATCH", "/Users/"+user, patch(op("Replace", "active", "True"))).want(t, 200)
		wantStatus(t, st, user, store.StatusActive)

		// Booleans as strings in a POST body too.
		r = e.do("POST", "/Users", map[string]any{"schemas": []string{userSchema}, "userName": "strbool@testuser.com", "active": "False"}).want(t, 201)
		if r.Body["active"] != false {
			t.Fatalf("string boolean: %s", r.Raw)
		}
		wantStatus(t, st, r.str("id"), store.StatusDisabled)

		// Manager: set three ways, change, clear.
		mgr := e.do("POST", "/Users", map[string]any{"schemas": []string{userSchema}, "userName": "boss@testuser.com"}).want(t, 201).str("id")
		mgr2 := e.do("POST", "/Users", map[string]any{"schemas": []string{userSchema}, "userName": "boss2@testuser.com"}).want(t, 201).str("id")
		e.do("PATCH", "/Users/"+user, patch(op("Add", entSchema+":manager", mgr))).want(t, 200)
		wantManager(t, st, user, mgr)
		e.do("PATCH", "/Users/"+user, patch(op("Replace", "manager", []any{map[string]any{"$ref": nil, "value": mgr2}}))).want(t, 200)
		wantManager(t, st, user, mgr2)
		r = e.do("PATCH", "/Users/"+user, patch(op("replace", "", map[string]any{entSchema: map[string]any{"manager": mgr}}))).want(t, 200)
		wantManager(t, st, user, mgr)
		if r.str(entSchema, "manager", "value") != mgr || r.str(entSchema, "employeeNumber") != "701984" {
			t.Fatalf("extension after path-less replace: %s", r.Raw)
		}
		e.do("PATCH", "/Users/"+user, patch(op("Replace", entSchema+":manager", ""))).want(t, 200)
		wantManager(t, st, user, "")

		// null and "" clear; path-less keys that are paths.
		e.do("PATCH", "/Users/"+user, patch(op("Replace", "title", "Engineer"))).want(t, 200)
		r = e.do("PATCH", "/Users/"+user, patch(map[string]any{"op": "Replace", "path": "title", "value": nil})).want(t, 200)
		if _, ok := r.Body["title"]; ok {
			t.Fatalf("title not cleared: %s", r.Raw)
		}
		r = e.do("PATCH", "/Users/"+user, patch(op("replace", "", map[string]any{
			"name.givenName": "Given2", entSchema + ":employeeNumber": "E9", "displayName": "Display Two"}))).want(t, 200)
		if r.str("name", "givenName") != "Given2" || r.str(entSchema, "employeeNumber") != "E9" || r.str("displayName") != "Display Two" {
			t.Fatalf("path-less keys: %s", r.Raw)
		}

		// Groups.
		r = e.do("POST", "/Groups", map[string]any{
			"schemas":    []string{groupSchema, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"},
			"externalId": "8aa1a0c0", "displayName": "displayName", "meta": map[string]any{"resourceType": "Group"},
		}).want(t, http.StatusCreated)
		group := r.str("id")
		e.do("POST", "/Groups", map[string]any{"schemas": []string{groupSchema}, "displayName": "DISPLAYNAME"}).want(t, http.StatusConflict)
		r = e.do("GET", "/Groups/"+group+"?excludedAttributes=members", nil).want(t, 200)
		if _, ok := r.Body["members"]; ok {
			t.Fatalf("members not excluded: %s", r.Raw)
		}
		r = e.do("GET", "/Groups?excludedAttributes=members&filter="+urlQuery(`displayName eq "displayName"`), nil).want(t, 200)
		if r.Body["totalResults"].(float64) != 1 || get(r.Body, "Resources", "0", "members") != nil {
			t.Fatalf("group query: %s", r.Raw)
		}
		r = e.do("PATCH", "/Groups/"+group, patch(
			op("Replace", "displayName", "1879db59updatedDisplayName"),
			op("Add", "members", []any{map[string]any{"$ref": nil, "value": user}}),
			op("Remove", "members", []any{map[string]any{"$ref": nil, "value": user}}),
		)).want(t, http.StatusNoContent)
		r = e.do("GET", "/Groups/"+group, nil).want(t, 200)
		if r.str("displayName") != "1879db59updatedDisplayName" || len(r.Body["members"].([]any)) != 0 {
			t.Fatalf("group after mixed patch: %s", r.Raw)
		}
		e.do("PATCH", "/Groups/"+group, patch(op("Add", "members", []any{map[string]any{"value": user}, map[string]any{"value": mgr}}))).want(t, 204)
		e.do("PATCH", "/Groups/"+group, patch(op("Remove", "members", []any{map[string]any{"value": mgr}}))).want(t, 204)
		r = e.do("GET", "/Groups/"+group, nil).want(t, 200)
		if len(r.Body["members"].([]any)) != 1 || r.str("members", "0", "value") != user {
			t.Fatalf("members: %s", r.Raw)
		}
		r = e.do("GET", "/Users/"+user, nil).want(t, 200)
		if r.str("groups", "0", "value") != group {
			t.Fatalf("User.groups: %s", r.Raw)
		}
		r = e.do("GET", "/Groups?filter="+urlQuery(`members[value eq "`+user+`"]`), nil).want(t, 200)
		if r.Body["totalResults"].(float64) != 1 {
			t.Fatalf("members filter: %s", r.Raw)
		}

		// Delete: unlinked, not erased; the userName is free again.
		e.do("DELETE", "/Users/"+user, nil).want(t, http.StatusNoContent)
		e.do("GET", "/Users/"+user, nil).want(t, http.StatusNotFound)
		e.do("DELETE", "/Users/"+user, nil).want(t, http.StatusNotFound)
		wantStatus(t, st, user, store.StatusTerminated)
		r = e.do("GET", "/Groups/"+group, nil).want(t, 200)
		if len(r.Body["members"].([]any)) != 0 {
			t.Fatalf("membership survived the delete: %s", r.Raw)
		}
		e.do("POST", "/Users", map[string]any{"schemas": []string{userSchema}, "userName": "5b50642d@testuser.com"}).want(t, 201)
		// The HR person stays active when Entra unlinks it.
		e.do("DELETE", "/Users/"+hr.PersonID, nil).want(t, 204)
		wantStatus(t, st, hr.PersonID, store.StatusActive)

		e.do("DELETE", "/Groups/"+group, nil).want(t, http.StatusNoContent)
		e.do("GET", "/Groups/"+group, nil).want(t, http.StatusNotFound)
	})
}

func wantStatus(t *testing.T, st store.Store, id string, want store.Status) {
	t.Helper()
	p, err := st.GetPerson(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != want {
		t.Fatalf("person %s status %s, want %s", id, p.Status, want)
	}
}

func wantManager(t *testing.T, st store.Store, id, want string) {
	t.Helper()
	p, err := st.GetPerson(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if p.ManagerID != want {
		t.Fatalf("person %s manager %q, want %q", id, p.ManagerID, want)
	}
}
