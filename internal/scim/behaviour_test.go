package scim_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/scim"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
	"github.com/syncd-dev/syncd/internal/token"
)

func newUser(name string, extra map[string]any) map[string]any {
	m := map[string]any{"schemas": []string{userSchema}, "userName": name}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func TestAuthAndViews(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		e := newEnv(t, st, scim.Config{})
		id := e.do("POST", "/Users", newUser("a@x.test", nil)).want(t, 201).str("id")
		apiSecret, _, err := token.Issue(t.Context(), st, time.Now(), "test", "api1", store.ScopeAPI, "")
		if err != nil {
			t.Fatal(err)
		}
		for name, tok := range map[string]string{"none": "", "wrong": "syncd_0011223344556677_" + strings.Repeat("A", 43), "garbage": "x", "api scope": apiSecret} {
			r := e.doAs(tok, "GET", "/Users", nil).want(t, http.StatusUnauthorized)
			if r.str("status") != "401" || !strings.Contains(r.Raw, "urn:ietf:params:scim:api:messages:2.0:Error") {
				t.Fatalf("%s: %s", name, r.Raw)
			}
		}
		if strings.Contains(e.logs.String(), e.token) {
			t.Fatal("a token was logged")
		}
		// Another IdP's token sees nothing of this one's view.
		other := e.issue("okta")
		e.doAs(other, "GET", "/Users/"+id, nil).want(t, 404)
		r := e.doAs(other, "GET", "/Users", nil).want(t, 200)
		if r.Body["totalResults"].(float64) != 0 {
			t.Fatalf("okta sees entra's users: %s", r.Raw)
		}
		e.doAs(other, "DELETE", "/Users/"+id, nil).want(t, 404)
		e.doAs(other, "PATCH", "/Users/"+id, patch(op("replace", "active", false))).want(t, 404)
		// The same userName is free in the other view; it correlates to the
		// same person (userName is a match key) and links it.
		r = e.doAs(other, "POST", "/Users", newUser("A@x.test", nil)).want(t, 201)
		if r.str("id") != id {
			t.Fatalf("okta's push of the same userName made a new person")
		}
		// Revoked tokens stop working within the token cache's TTL: the
		// verification made just before is trusted until then, not after.
		if _, err := token.Revoke(t.Context(), st, time.Now(), "test", "tok-okta"); err != nil {
			t.Fatal(err)
		}
		e.doAs(other, "GET", "/Users", nil).want(t, 200)
		e.skew.Store(int64(token.DefaultCacheTTL))
		e.doAs(other, "GET", "/Users", nil).want(t, 401)
		e.skew.Store(0)
		// Discovery.
		r = e.do("GET", "/ServiceProviderConfig", nil).want(t, 200)
		if get(r.Body, "filter", "maxResults").(float64) != 200 || get(r.Body, "patch", "supported") != true ||
			get(r.Body, "authenticationSchemes", "0", "type") != "oauthbearertoken" {
			t.Fatalf("service provider config: %s", r.Raw)
		}
		r = e.do("GET", "/Schemas", nil).want(t, 200)
		if strings.Contains(r.Raw, `"password"`) || strings.Contains(r.Raw, scim.SyncdSchema) == false {
			t.Fatalf("schemas: password advertised or syncd extension missing")
		}
		for _, s := range get(r.Body, "Resources").([]any) {
			for _, a := range get(s, "attributes").([]any) {
				if get(a, "name") == "emails" && strings.Contains(strings.ToLower(toJSON(a)), `"display"`) {
					t.Fatal("emails.display advertised")
				}
			}
		}
		e.do("GET", "/ResourceTypes", nil).want(t, 200)
	})
}

func TestErrorsStoreNothing(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		e := newEnv(t, st, scim.Config{MaxBodyBytes: 4096})
		id := e.do("POST", "/Users", newUser("a@x.test", nil)).want(t, 201).str("id")
		before, _ := st.ListAudit(t.Context(), 0, 10000)
		cases := []struct {
			name, method, path string
			body               any
			status             int
			scimType, detail   string
		}{
			{"malformed JSON", "POST", "/Users", `{"userName": "b@x.test",`, 400, "invalidSyntax", "malformed JSON"},
			{"not an object", "POST", "/Users", `[1]`, 400, "invalidSyntax", "object"},
			{"wrong type", "POST", "/Users", map[string]any{"schemas": []string{userSchema}, "userName": 5}, 400, "invalidValue", "userName must be a string, got a number"},
			{"wrong sub-attribute type", "POST", "/Users", newUser("b@x.test", map[string]any{"emails": []any{map[string]any{"value": "v", "primary": "maybe"}}}), 400, "invalidValue", `emails[0].primary must be a boolean, got the string "maybe"`},
			{"extension not an object", "POST", "/Users", newUser("b@x.test", map[string]any{entSchema: "x"}), 400, "invalidValue", entSchema + " must be an object"},
			{"missing userName", "POST", "/Users", map[string]any{"schemas": []string{userSchema}, "displayName": "x"}, 400, "invalidValue", "userName is required"},
			{"missing displayName", "POST", "/Groups", map[string]any{"schemas": []string{groupSchema}}, 400, "invalidValue", "displayName is required"},
			{"bad filter", "GET", "/Users?filter=" + urlQuery(`userName eq`), nil, 400, "invalidFilter", ""},
			{"unknown filter attribute", "GET", "/Users?filter=" + urlQuery(`shoeSize eq "9"`), nil, 400, "invalidFilter", ""},
			{"boolean gt", "GET", "/Users?filter=" + urlQuery(`active gt true`), nil, 400, "invalidFilter", ""},
			{"unknown id", "GET", "/Users/nope", nil, 404, "", "nope"},
			{"patch unknown id", "PATCH", "/Users/nope", patch(op("replace", "active", false)), 404, "", ""},
			{"bad patch path", "PATCH", "/Users/" + id, patch(op("replace", "shoeSize", "9")), 400, "invalidPath", `path "shoeSize": unknown attribute`},
			{"unparsable patch path", "PATCH", "/Users/" + id, patch(op("replace", "emails[type eq", "9")), 400, "invalidPath", "does not parse"},
			{"patch without Operations", "PATCH", "/Users/" + id, map[string]any{"schemas": []string{patchSchema}}, 400, "invalidSyntax", "Operations"},
			{"patch atomic", "PATCH", "/Users/" + id, patch(op("replace", "displayName", "X"), op("replace", `emails[type eq "work" or type eq "home"].value`, "y")), 400, "noTarget", "operation 2"},
			{"patch read-only", "PATCH", "/Users/" + id, patch(op("replace", scim.SyncdSchema+":status", "terminated")), 400, "mutability", "read-only"},
			{"too large", "POST", "/Users", map[string]any{"schemas": []string{userSchema}, "userName": strings.Repeat("x", 5000)}, 413, "", "4096"},
			{"bad startIndex", "GET", "/Users?startIndex=abc", nil, 400, "", ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := e.do(tc.method, tc.path, tc.body).want(t, tc.status)
				if tc.scimType != "" && r.str("scimType") != tc.scimType {
					t.Fatalf("scimType %q, want %q: %s", r.str("scimType"), tc.scimType, r.Raw)
				}
				if !strings.Contains(r.str("detail"), tc.detail) {
					t.Fatalf("detail %q does not name %q", r.str("detail"), tc.detail)
				}
			})
		}
		after, _ := st.ListAudit(t.Context(), 0, 10000)
		if len(after) != len(before) {
			t.Fatalf("rejected requests wrote %d audit events", len(after)-len(before))
		}
		r := e.do("GET", "/Users/"+id, nil).want(t, 200)
		if r.str("displayName") != "" {
			t.Fatalf("half a PATCH was applied: %s", r.Raw)
		}
	})
}

func TestProjectionPagingFilters(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		e := newEnv(t, st, scim.Config{MaxResults: 3})
		var ids []string
		for _, n := range []string{"ann", "bob", "cat", "dan", "eve"} {
			ids = append(ids, e.do("POST", "/Users", newUser(n+"@x.test", map[string]any{
				"title": strings.ToUpper(n), "active": n != "eve",
				"emails": []any{map[string]any{"type": "work", "value": n + "@work.test"}},
			})).want(t, 201).str("id"))
		}
		r := e.do("GET", "/Users/"+ids[0]+"?attributes=userName,emails.value", nil).want(t, 200)
		if len(r.Body) != 4 || r.str("userName") != "ann@x.test" || r.str("emails", "0", "value") != "ann@work.test" || r.str("emails", "0", "type") != "" {
			t.Fatalf("attributes: %s", r.Raw)
		}
		r = e.do("GET", "/Users/"+ids[0]+"?excludedAttributes=emails,id,groups", nil).want(t, 200)
		if r.Body["emails"] != nil || r.Body["groups"] != nil || r.str("id") != ids[0] {
			t.Fatalf("excludedAttributes: %s", r.Raw)
		}
		// count is capped at maxResults; pages are stable and complete.
		r = e.do("GET", "/Users?count=100", nil).want(t, 200)
		if len(r.Body["Resources"].([]any)) != 3 || r.Body["itemsPerPage"].(float64) != 3 || r.Body["totalResults"].(float64) != 5 {
			t.Fatalf("count cap: %s", r.Raw)
		}
		var seen []string
		for start := 1; start <= 5; start += 2 {
			r = e.do("GET", "/Users?attributes=id&count=2&startIndex="+itoa(start), nil).want(t, 200)
			for _, x := range r.Body["Resources"].([]any) {
				seen = append(seen, get(x, "id").(string))
			}
		}
		if strings.Join(seen, ",") != strings.Join(ids, ",") {
			t.Fatalf("paged %v, want %v (UUIDv7 ids sort by creation)", seen, ids)
		}
		r = e.do("GET", "/Users?count=0", nil).want(t, 200)
		if r.Body["totalResults"].(float64) != 5 || len(r.Body["Resources"].([]any)) != 0 {
			t.Fatalf("count=0: %s", r.Raw)
		}
		for _, tc := range []struct {
			f    string
			want int
		}{
			{`userName sw "B" or userName ew "AN@X.TEST"`, 2},
			{`not (title eq "ann") and active eq true`, 3},
			{`active eq false`, 1},
			{`emails.value co "work"`, 5},
			{`emails[type eq "work" and value sw "c"]`, 1},
			{`title pr and (userName eq "dan@x.test")`, 1},
			{`meta.lastModified gt "2000-01-01T00:00:00Z"`, 5},
			{`meta.lastModified lt "2000-01-01T00:00:00Z"`, 0},
			{`id eq "` + ids[2] + `"`, 1},
			{`userName ne "ann@x.test"`, 4},
		} {
			r = e.do("GET", "/Users?filter="+urlQuery(tc.f), nil).want(t, 200)
			if int(r.Body["totalResults"].(float64)) != tc.want {
				t.Fatalf("%s: %v results, want %d", tc.f, r.Body["totalResults"], tc.want)
			}
		}
	})
}

func TestRateLimit(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		e := newEnv(t, st, scim.Config{RatePerSecond: 1, Burst: 2})
		e.do("GET", "/Users", nil).want(t, 200)
		e.do("GET", "/Users", nil).want(t, 200)
		r := e.do("GET", "/Users", nil).want(t, http.StatusTooManyRequests)
		if r.Header.Get("Retry-After") == "" {
			t.Fatal("no Retry-After")
		}
		// Another token has its own bucket.
		e.doAs(e.issue("okta"), "GET", "/Users", nil).want(t, 200)
	})
}

func TestStoreFailureIsGeneric(t *testing.T) {
	gormtest.ForEach(t, testStoreFailureIsGeneric)
}

func testStoreFailureIsGeneric(t *testing.T, st *gormstore.Store) {
	e := newEnv(t, st, scim.Config{})
	tok := e.token
	e.do("POST", "/Users", newUser("a@x.test", nil)).want(t, 201)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	r := e.rawDo(tok, "GET", "/Users")
	if r.Status != 500 && r.Status != 503 {
		t.Fatalf("status %d: %s", r.Status, r.Raw)
	}
	if !strings.Contains(r.str("detail"), "request id") || strings.Contains(strings.ToLower(r.Raw), "sql") {
		t.Fatalf("detail leaks or lacks the request id: %s", r.Raw)
	}
	if !strings.Contains(e.logs.String(), r.Header.Get("X-Request-Id")) {
		t.Fatal("failure not logged with the request id")
	}
}

func TestNonHumanUsers(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		e := newEnv(t, st, scim.Config{NonHuman: scim.NonHumanRule{UserTypes: []string{"Service"}, UserNamePrefixes: []string{"svc-"}}})
		owner := e.do("POST", "/Users", newUser("owner@x.test", nil)).want(t, 201).str("id")
		r := e.do("POST", "/Users", newUser("build-bot", map[string]any{"userType": "service", "externalId": "bot1",
			entSchema: map[string]any{"manager": map[string]any{"value": owner}}})).want(t, 201)
		id := r.str("id")
		n, err := st.GetNHI(ctx, id)
		if err != nil {
			t.Fatalf("not stored as an NHI: %v", err)
		}
		if n.Kind != store.KindServiceAccount || n.Source != "entra" || n.OwnerID != owner || n.ExternalID != "bot1" || n.Name != "build-bot" {
			t.Fatalf("nhi %+v", n)
		}
		if _, err := st.GetPerson(ctx, id); err == nil {
			t.Fatal("an NHI was also stored as a person")
		}
		r = e.do("POST", "/Users", newUser("svc-deploy", map[string]any{entSchema: map[string]any{"manager": map[string]any{"value": "ghost"}}})).want(t, 201)
		n2, _ := st.GetNHI(ctx, r.str("id"))
		if n2.OwnerID != "" || n2.OwnerRef != "ghost" {
			t.Fatalf("dangling owner: %+v", n2)
		}
		r = e.do("GET", "/Users?filter="+urlQuery(`userName eq "BUILD-BOT"`), nil).want(t, 200)
		if r.Body["totalResults"].(float64) != 1 || r.str("Resources", "0", "id") != id || r.str("Resources", "0", "externalId") != "bot1" {
			t.Fatalf("filter NHI: %s", r.Raw)
		}
		e.do("PATCH", "/Users/"+id, patch(op("replace", "active", false))).want(t, 200)
		if n, _ = st.GetNHI(ctx, id); n.Status != store.NHIDisabled {
			t.Fatalf("status %s", n.Status)
		}
		r = e.do("PUT", "/Users/"+id, newUser("build-bot-2", map[string]any{"userType": "Service", "active": true})).want(t, 200)
		if n, _ = st.GetNHI(ctx, id); n.Name != "build-bot-2" || n.Status != store.NHIActive || n.OwnerID != "" {
			t.Fatalf("after PUT %+v", n)
		}
		e.do("DELETE", "/Users/"+id, nil).want(t, 204)
		e.do("GET", "/Users/"+id, nil).want(t, 404)
		if n, _ = st.GetNHI(ctx, id); n.Status != store.NHIRetired {
			t.Fatalf("not retired: %s", n.Status)
		}
		// A retired NHI is in no list, filtered or not.
		for _, q := range []string{"?filter=" + urlQuery(`userName eq "build-bot-2"`), "?filter=" + urlQuery(`userName sw "build"`), ""} {
			r = e.do("GET", "/Users"+q, nil).want(t, 200)
			if strings.Contains(string(r.Raw), id) {
				t.Fatalf("retired NHI listed by GET /Users%s: %s", q, r.Raw)
			}
		}
		// Pushed again after the delete: the same NHI comes back.
		r = e.do("POST", "/Users", newUser("build-bot-2", map[string]any{"userType": "Service"})).want(t, 201)
		if r.str("id") != id {
			t.Fatalf("re-created NHI got a new id")
		}
		if n, _ = st.GetNHI(ctx, id); n.Status != store.NHIActive {
			t.Fatalf("not revived: %s", n.Status)
		}
		evs, _ := st.ListAudit(ctx, 0, 1000)
		var actions []string
		for _, ev := range evs {
			if ev.Target == "nhi:"+id {
				actions = append(actions, ev.Action)
			}
		}
		if strings.Join(actions, ",") != "nhi.created,nhi.updated,nhi.updated,nhi.retired,nhi.created" {
			t.Fatalf("audit %v", actions)
		}
	})
}
