package scim_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/syncd-dev/syncd/internal/scim"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestListVersions: every resource of a ListResponse carries the same
// meta.version as a GET of that resource (RFC 7644 §3.14: the version is
// part of the resource's meta wherever it is returned), for persons, NHIs
// and groups, in plain and filtered lists, after writes moved the version.
func TestListVersions(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		e := newEnv(t, st, scim.Config{NonHuman: scim.NonHumanRule{UserTypes: []string{"Service"}}})
		uid := e.do("POST", "/Users", newUser("lv@x.test", nil)).want(t, 201).str("id")
		e.do("PATCH", "/Users/"+uid, patch(op("replace", "title", "A"))).want(t, 200)
		nid := e.do("POST", "/Users", newUser("lv-bot", map[string]any{"userType": "Service"})).want(t, 201).str("id")
		e.do("PATCH", "/Users/"+nid, patch(op("replace", "displayName", "Bot"))).want(t, 200)
		gid := e.do("POST", "/Groups", map[string]any{"schemas": []string{groupSchema}, "displayName": "LV"}).want(t, 201).str("id")
		e.do("PATCH", "/Groups/"+gid, patch(op("add", "members", []any{map[string]any{"value": uid}}))).want(t, 204)

		want := map[string]string{}
		for _, p := range []string{"/Users/" + uid, "/Users/" + nid, "/Groups/" + gid} {
			v := e.do("GET", p, nil).want(t, 200).str("meta", "version")
			if v == "" {
				t.Fatalf("GET %s: no meta.version", p)
			}
			want[p] = v
		}
		lists := map[string]string{
			"/Users": "",
			"/Users?filter=" + url.QueryEscape(`userName eq "lv@x.test"`): "/Users/" + uid,
			"/Users?filter=" + url.QueryEscape(`userName eq "lv-bot"`):    "/Users/" + nid,
			"/Users?startIndex=1&count=1":                                 "",
			"/Groups":                                                     "",
			"/Groups?excludedAttributes=members":                          "",
			"/Groups?filter=" + url.QueryEscape(`displayName eq "LV"`):    "/Groups/" + gid,
		}
		for list, only := range lists {
			r := e.do("GET", list, nil).want(t, 200)
			res, _ := r.Body["Resources"].([]any)
			if len(res) == 0 {
				t.Fatalf("GET %s: no resources: %s", list, r.Raw)
			}
			for i := range res {
				id, _ := get(res[i], "id").(string)
				v, _ := get(res[i], "meta", "version").(string)
				p := "/Users/" + id
				if strings.HasPrefix(list, "/Groups") {
					p = "/Groups/" + id
				}
				if only != "" && p != only {
					t.Fatalf("GET %s returned %s", list, p)
				}
				if v != want[p] {
					t.Errorf("GET %s: %s has meta.version %q, GET of it says %q", list, p, v, want[p])
				}
			}
		}
	})
}
