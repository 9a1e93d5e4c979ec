package scim_test

import (
	"testing"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/scim"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestEmptyMembersAdd: an add of members with an empty value list adds
// nothing and removes nobody. RFC 7644 §3.5.2.1: "If the target location
// specifies a multi-valued attribute, a new value is added to the
// attribute"; with no value there is nothing to add, and "if the target
// location already contains the value specified, no changes SHOULD be made
// to the resource, and a success response SHOULD be returned". An add
// with no value member at all breaks "The operation MUST contain a value
// member" and is a 400 invalidValue (§3.12). Only a replace with an empty
// list (§3.5.2.3: "the attribute and all values are replaced") clears the
// members.
func TestEmptyMembersAdd(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		e := newEnv(t, st, scim.Config{})
		a := e.do("POST", "/Users", newUser("ea@x.test", nil)).want(t, 201).str("id")
		b := e.do("POST", "/Users", newUser("eb@x.test", nil)).want(t, 201).str("id")
		gid := e.do("POST", "/Groups", map[string]any{"schemas": []string{groupSchema}, "displayName": "E",
			"members": []any{map[string]any{"value": a}, map[string]any{"value": b}}}).want(t, 201).str("id")
		v := e.do("GET", "/Groups/"+gid, nil).want(t, 200).str("meta", "version")
		members := func() int {
			r := e.do("GET", "/Groups/"+gid, nil).want(t, 200)
			l, _ := r.Body["members"].([]any)
			return len(l)
		}

		e.do("PATCH", "/Groups/"+gid, patch(op("add", "members", []any{}))).want(t, 204)
		e.do("PATCH", "/Groups/"+gid, patch(op("Add", "members", []any{}))).want(t, 204)
		e.do("PATCH", "/Groups/"+gid, patch(op("add", "", map[string]any{"members": []any{}}))).want(t, 204)
		if n := members(); n != 2 {
			t.Fatalf("an add of no members left %d of 2 members", n)
		}
		if got := e.do("GET", "/Groups/"+gid, nil).want(t, 200).str("meta", "version"); got != v {
			t.Fatalf("an add of no members moved the version %s -> %s", v, got)
		}
		// One event: the group's creation with its two members.
		if evs := auditDetails(t, st, audit.ActionGroupMembersChanged, "group:"+gid); len(evs) != 1 {
			t.Fatalf("an add of no members was audited: %v", evs)
		}
		r := e.do("PATCH", "/Groups/"+gid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members"}]}`)
		if r.Status != 400 || r.str("scimType") != "invalidValue" {
			t.Fatalf("an add without a value: %d %s", r.Status, r.Raw)
		}
		if n := members(); n != 2 {
			t.Fatalf("a refused add left %d of 2 members", n)
		}
		// A user's multi-valued attribute the same way.
		e.do("PATCH", "/Users/"+a, patch(op("add", "emails", []any{map[string]any{"value": "ea@x.test", "type": "work"}}))).want(t, 200)
		r = e.do("PATCH", "/Users/"+a, patch(op("add", "emails", []any{}))).want(t, 200)
		if l, _ := r.Body["emails"].([]any); len(l) != 1 {
			t.Fatalf("an add of no emails: %s", r.Raw)
		}

		e.do("PATCH", "/Groups/"+gid, patch(op("replace", "members", []any{}))).want(t, 204)
		if n := members(); n != 0 {
			t.Fatalf("a replace with no members left %d members", n)
		}
	})
}
