package scim_test

import (
	"context"
	"fmt"
	"github.com/syncd-dev/syncd/internal/audit"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/scim"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestVersionsAndIfMatch: meta.version moves on every write, the ETag
// header carries it, and If-Match on PUT/PATCH/DELETE answers 412 on a
// stale version without changing anything (RFC 7644 §3.14).
func TestVersionsAndIfMatch(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		e := newEnv(t, st, scim.Config{})
		u := e.do("POST", "/Users", newUser("v@x.test", nil)).want(t, 201)
		uid, v1 := u.str("id"), u.str("meta", "version")
		if v1 == "" || u.Header.Get("Etag") != v1 {
			t.Fatalf("created user: version %q, ETag %q", v1, u.Header.Get("Etag"))
		}
		code, raw, _ := e.send("PATCH", "/Users/"+uid, patch(op("replace", "title", "A")), "If-Match", v1)
		if code/100 != 2 {
			t.Fatalf("PATCH with the current version: %d %s", code, raw)
		}
		v2 := e.do("GET", "/Users/"+uid, nil).want(t, 200).str("meta", "version")
		if v2 == v1 {
			t.Fatalf("version did not move: %s", v2)
		}
		for _, m := range []string{"PATCH", "PUT", "DELETE"} {
			var body any
			switch m {
			case "PATCH":
				body = patch(op("replace", "title", "B"))
			case "PUT":
				body = newUser("v@x.test", map[string]any{"title": "B"})
			}
			code, raw, _ := e.send(m, "/Users/"+uid, body, "If-Match", v1)
			if code != http.StatusPreconditionFailed || !strings.Contains(string(raw), "urn:ietf:params:scim:api:messages:2.0:Error") {
				t.Fatalf("%s with a stale version: %d %s", m, code, raw)
			}
		}
		if got := e.do("GET", "/Users/"+uid, nil).want(t, 200); got.str("title") != "A" || got.str("meta", "version") != v2 {
			t.Fatalf("a refused request changed the user: %s", got.Raw)
		}

		g := e.do("POST", "/Groups", map[string]any{"schemas": []string{groupSchema}, "displayName": "G"}).want(t, 201)
		gid, gv := g.str("id"), g.str("meta", "version")
		code, raw, _ = e.send("PATCH", "/Groups/"+gid, patch(op("add", "members", []any{map[string]any{"value": uid}})), "If-Match", gv)
		if code/100 != 2 {
			t.Fatalf("group PATCH with the current version: %d %s", code, raw)
		}
		gv2 := e.do("GET", "/Groups/"+gid, nil).want(t, 200).str("meta", "version")
		if gv2 == gv {
			t.Fatal("a membership change did not move the group's version")
		}
		for _, m := range []string{"PATCH", "DELETE"} {
			code, _, _ := e.send(m, "/Groups/"+gid, patch(op("remove", "members", nil)), "If-Match", gv)
			if code != http.StatusPreconditionFailed {
				t.Fatalf("group %s with a stale version: %d", m, code)
			}
		}
		code, _, _ = e.send("DELETE", "/Groups/"+gid, nil, "If-Match", gv2)
		if code != http.StatusNoContent {
			t.Fatalf("group DELETE with the current version: %d", code)
		}
	})
}

// TestDiscoveryDocuments: etag.supported is advertised and every
// ResourceType and Schema entry carries its own schemas (RFC 7643 §6, §7).
func TestDiscoveryDocuments(t *testing.T) {
	e := newEnv(t, gormtest.SQLite(t), scim.Config{})
	spc := e.do("GET", "/ServiceProviderConfig", nil).want(t, 200)
	if get(spc.Body, "etag", "supported") != true {
		t.Fatalf("etag: %s", spc.Raw)
	}
	for path, urn := range map[string]string{
		"/ResourceTypes": "urn:ietf:params:scim:schemas:core:2.0:ResourceType",
		"/Schemas":       "urn:ietf:params:scim:schemas:core:2.0:Schema",
	} {
		r := e.do("GET", path, nil).want(t, 200)
		res := asList(r.Body["Resources"])
		if len(res) == 0 {
			t.Fatalf("%s: no resources: %s", path, r.Raw)
		}
		for i, x := range res {
			if s := strs(get(x, "schemas")); len(s) != 1 || s[0] != urn {
				t.Errorf("%s entry %d: schemas %v", path, i, s)
			}
		}
	}
}

// TestInputValidatedBySyncd: the same bad input gets the same 400, naming
// the attribute, on SQLite and PostgreSQL.
func TestInputValidatedBySyncd(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		e := newEnv(t, st, scim.Config{})
		uid := e.do("POST", "/Users", newUser("ok@x.test", nil)).want(t, 201).str("id")
		gid := e.do("POST", "/Groups", map[string]any{"schemas": []string{groupSchema}, "displayName": "G"}).want(t, 201).str("id")
		cases := []struct {
			name, method, path string
			body               any
			attr               string
		}{
			{"NUL in userName", "POST", "/Users", newUser("a\x00b@x.test", nil), "userName"},
			{"NUL in displayName", "POST", "/Groups", map[string]any{"schemas": []string{groupSchema}, "displayName": "x\x00"}, "displayName"},
			{"NUL in member value", "PATCH", "/Groups/" + gid, patch(op("add", "members", []any{map[string]any{"value": "a\x00"}})), "value"},
			{"NUL in patched title", "PATCH", "/Users/" + uid, patch(op("replace", "title", "t\x00")), "value"},
			{"over-long userName", "POST", "/Users", newUser(strings.Repeat("u", 3000), nil), "userName"},
			{"over-long title", "POST", "/Users", newUser("long@x.test", map[string]any{"title": strings.Repeat("t", 70000)}), "title"},
			{"NUL in id", "GET", "/Users/a%00b", nil, "id"},
			{"NUL in filter", "GET", "/Users?filter=" + "userName%20eq%20%22a%00%22", nil, "filter"},
		}
		for _, tc := range cases {
			code, raw, err := e.send(tc.method, tc.path, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			if code != 400 || !strings.Contains(string(raw), tc.attr) {
				t.Errorf("%s: %d %s", tc.name, code, raw)
			}
		}
		// Invalid UTF-8 in the raw body.
		req, _ := http.NewRequestWithContext(t.Context(), "POST", e.base+"/Users",
			strings.NewReader(fmt.Sprintf(`{"schemas":[%q],"userName":"b%sd@x.test"}`, userSchema, "\xff")))
		req.Header.Set("Authorization", "Bearer "+e.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 400 {
			t.Errorf("invalid UTF-8: %d", res.StatusCode)
		}
	})
}

// countingStore counts reads of whole member lists, inside transactions
// too.
type countingStore struct {
	*gormstore.Store
	lists *atomic.Int64
}

type countingTx struct {
	store.Tx
	lists *atomic.Int64
}

func (c countingStore) ListGroupMembers(ctx context.Context, id string) ([]string, error) {
	c.lists.Add(1)
	return c.Store.ListGroupMembers(ctx, id)
}

func (c countingTx) ListGroupMembers(ctx context.Context, id string) ([]string, error) {
	c.lists.Add(1)
	return c.Tx.ListGroupMembers(ctx, id)
}

func (c countingStore) InTx(ctx context.Context, fn func(store.Tx) error) error {
	return c.Store.InTx(ctx, func(tx store.Tx) error { return fn(countingTx{tx, c.lists}) })
}

// TestGroupPatchIsDelta: adding and removing named members (with or
// without a value filter) and GET with excludedAttributes=members never
// read the whole member list; replace of members does, and the audit
// event of each request names exactly what it changed.
func TestGroupPatchIsDelta(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		e := newEnv(t, st, scim.Config{})
		lists := &atomic.Int64{}
		cs := countingStore{Store: st, lists: lists}
		s, err := scim.New(scim.Config{BaseURL: e.base}, cs, e.id, nil, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(http.StripPrefix("/scim", s))
		t.Cleanup(srv.Close)
		e.base = srv.URL + "/scim/v2"
		var ids []string
		for i := range 4 {
			ids = append(ids, e.do("POST", "/Users", newUser(fmt.Sprintf("d%d@x.test", i), nil)).want(t, 201).str("id"))
		}
		gid := e.do("POST", "/Groups", map[string]any{"schemas": []string{groupSchema}, "displayName": "D",
			"members": []any{map[string]any{"value": ids[0]}}}).want(t, 201).str("id")
		lists.Store(0)
		member := func(id string) map[string]any { return map[string]any{"value": id} }
		e.do("PATCH", "/Groups/"+gid, patch(op("add", "members", []any{member(ids[1]), member(ids[0])}))).want(t, 204)
		e.do("PATCH", "/Groups/"+gid, patch(op("remove", `members[value eq "`+ids[0]+`"]`, nil))).want(t, 204)
		e.do("PATCH", "/Groups/"+gid, patch(op("remove", "members", []any{member(ids[1]), member(ids[3])}))).want(t, 204)
		e.do("PATCH", "/Groups/"+gid, patch(op("add", "", map[string]any{"members": []any{member(ids[2])}, "displayName": "D2"}))).want(t, 204)
		if r := e.do("GET", "/Groups/"+gid+"?excludedAttributes=members", nil).want(t, 200); r.Body["members"] != nil || r.str("displayName") != "D2" {
			t.Fatalf("excluded members: %s", r.Raw)
		}
		if n := lists.Load(); n != 0 {
			t.Fatalf("delta PATCHes and an excluding GET read the whole member list %d times", n)
		}
		e.do("PATCH", "/Groups/"+gid, patch(op("replace", "members", []any{member(ids[3])}))).want(t, 204)
		if n := lists.Load(); n != 1 {
			t.Fatalf("replace of members read the list %d times, want 1", n)
		}
		evs := auditDetails(t, st, audit.ActionGroupMembersChanged, "group:"+gid)
		want := []struct{ added, removed []string }{
			{[]string{ids[0]}, nil}, // the group's creation
			{[]string{ids[1]}, nil},
			{nil, []string{ids[0]}},
			{nil, []string{ids[1]}},
			{[]string{ids[2]}, nil},
			{[]string{ids[3]}, []string{ids[2]}},
		}
		if len(evs) != len(want) {
			t.Fatalf("%d group.members_changed events, want %d", len(evs), len(want))
		}
		for i, w := range want {
			if !slices.Equal(strs(evs[i]["added"]), w.added) || !slices.Equal(strs(evs[i]["removed"]), w.removed) {
				t.Errorf("event %d: added %v removed %v, want %v %v", i, evs[i]["added"], evs[i]["removed"], w.added, w.removed)
			}
		}
	})
}
