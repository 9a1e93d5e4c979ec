package api_test

import (
	"bytes"
	"encoding/json"
	"github.com/syncd-dev/syncd/internal/catalog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/api"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// catalogEditHarness serves the API with the real catalog editor over a
// catalog file holding one item, "reports", owned by olga. Callers are
// named by userName in X-Test-Person; olga and mia are catalog owners,
// root is an admin, dana an ordinary person.
type catalogEditHarness struct {
	t   *testing.T
	st  *gormstore.Store
	srv *httptest.Server
	ids map[string]string
	// tokens holds API token secrets by token name: a caller named so
	// calls with the token instead of X-Test-Person.
	tokens map[string]string
}

func newCatalogEditHarness(t *testing.T, st *gormstore.Store) *catalogEditHarness {
	t.Helper()
	h := &catalogEditHarness{t: t, st: st, ids: map[string]string{}, tokens: map[string]string{}}
	for _, name := range []string{"olga", "mia", "root", "dana"} {
		p, err := st.CreatePerson(t.Context(), store.Person{UserName: name, Email: name + "@example.com", Department: "Finance", Status: store.StatusActive})
		if err != nil {
			t.Fatal(err)
		}
		h.ids[name] = p.ID
	}
	file := filepath.Join(t.TempDir(), "catalog.yaml")
	if err := os.WriteFile(file, []byte(`items:
  - id: reports
    name: Reports
    kind: app-role
    owner: olga@example.com
    risk: low
    approval:
      autoApprove: {when: 'true'}
      stages: [{name: owner, approvers: [{itemOwner: true}]}]
    maxDuration: 30d
    fulfillment: {type: manual}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	src := catalog.Source{Files: []string{file}}
	cat, errs := src.Effective(t.Context(), st)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	svc, err := access.NewService(st, cat, map[string]access.Fulfiller{"manual": access.Manual{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string][]string{"olga": {api.RoleCatalogOwner}, "mia": {api.RoleCatalogOwner}, "root": {api.RoleAdmin}}
	auth := api.Chain{api.TokenAuthenticator{Store: st}, api.AuthenticatorFunc(func(r *http.Request) (api.Principal, error) {
		name := r.Header.Get("X-Test-Person")
		if name == "" {
			return api.Principal{}, api.ErrNoCredentials
		}
		return api.Principal{PersonID: h.ids[name], Roles: roles[name]}, nil
	})}
	mux := http.NewServeMux()
	(&api.Server{Store: st, Access: svc, Catalog: &catalog.Editor{Source: src, Store: st, Running: svc}, Auth: auth}).Register(mux)
	h.srv = httptest.NewServer(mux)
	t.Cleanup(h.srv.Close)
	return h
}

func (h *catalogEditHarness) want(as, method, path string, body any, status int) map[string]any {
	h.t.Helper()
	got, out, err := h.do(as, method, path, body)
	if err != nil {
		h.t.Fatal(err)
	}
	if got != status {
		h.t.Fatalf("%s %s as %s: status %d, want %d; body %v", method, path, as, got, status, out)
	}
	return out
}

// do calls the API as as (a person's userName or a token's name) and
// returns the status and the decoded body; safe in goroutines.
func (h *catalogEditHarness) do(as, method, path string, body any) (int, map[string]any, error) {
	var rd bytes.Buffer
	if s, ok := body.(string); ok {
		rd.WriteString(s)
	} else if body != nil {
		if err := json.NewEncoder(&rd).Encode(body); err != nil {
			return 0, nil, err
		}
	}
	req, err := http.NewRequestWithContext(h.t.Context(), method, h.srv.URL+path, &rd)
	if err != nil {
		return 0, nil, err
	}
	if secret, ok := h.tokens[as]; ok {
		req.Header.Set("Authorization", "Bearer "+secret)
	} else {
		req.Header.Set("X-Test-Person", as)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out, nil
}

// catalogOf returns item id → outcome of GET /api/v1/catalog for as.
func (h *catalogEditHarness) catalogOf(as string) (map[string]string, string) {
	h.t.Helper()
	out := h.want(as, "GET", "/api/v1/catalog", nil, 200)
	got := map[string]string{}
	for _, it := range out["items"].([]any) {
		m := it.(map[string]any)
		got[m["id"].(string)] = m["outcome"].(string)
	}
	return got, out["catalog_version"].(string)
}

func (h *catalogEditHarness) auditActions() []string {
	h.t.Helper()
	evs, err := h.st.ListAudit(h.t.Context(), 0, 1000)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		if e.Action == "catalog.item_changed" {
			out = append(out, e.Actor+" "+e.Target+" "+string(e.Details))
		}
	}
	return out
}

func reportsItem(risk, when string) map[string]any {
	return map[string]any{
		"name": "Reports", "kind": "app-role", "owner": "olga@example.com", "risk": risk,
		"eligibility": map[string]any{"when": when},
		"approval": map[string]any{"autoApprove": map[string]any{"when": "true"},
			"stages": []any{map[string]any{"name": "owner", "approvers": []any{map[string]any{"itemOwner": true}}}}},
		"maxDuration": "30d", "fulfillment": map[string]any{"type": "manual"},
	}
}

func TestCatalogItemsOverHTTP(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		h := newCatalogEditHarness(t, st)
		before, version0 := h.catalogOf("dana")
		if before["reports"] != "auto-approve" {
			t.Fatalf("catalog before: %v", before)
		}

		// What-if first: dana's auto-approved request would need approval
		// at high risk. Simulating stores nothing.
		h.want("dana", "POST", "/api/v1/requests", map[string]any{"item": "reports"}, 201)
		sim := h.want("olga", "POST", "/api/v1/catalog/items/reports/simulate", reportsItem("high", ""), 200)
		if sim["requests"] != float64(1) || len(sim["changed"].([]any)) != 1 ||
			sim["changed"].([]any)[0].(map[string]any)["new"] != "approval" {
			t.Fatalf("simulate: %v", sim)
		}
		h.want("dana", "POST", "/api/v1/catalog/items/reports/simulate", reportsItem("high", ""), 403)
		h.want("olga", "POST", "/api/v1/catalog/items/reports/simulate", map[string]any{"risk": "extreme"}, 400)
		if acts := h.auditActions(); len(acts) != 0 {
			t.Fatalf("simulation changed the catalog: %v", acts)
		}

		// The owner raises the risk: a new version, audited, in force at once.
		out := h.want("olga", "PUT", "/api/v1/catalog/items/reports", reportsItem("high", ""), 200)
		v := out["version"].(map[string]any)
		if v["version"] != float64(1) || out["applied"] != true || !strings.HasPrefix(v["author"].(string), "person:") {
			t.Fatalf("put: %v", out)
		}
		after, version1 := h.catalogOf("dana")
		if after["reports"] != "approval" || version1 == version0 {
			t.Fatalf("catalog after raising the risk: %v (version %s, was %s)", after, version1, version0)
		}
		acts := h.auditActions()
		if len(acts) != 1 || !strings.Contains(acts[0], "catalog_item:reports") || !strings.Contains(acts[0], `"version":1`) ||
			!strings.Contains(acts[0], `"risk":"high"`) {
			t.Fatalf("audit: %v", acts)
		}

		// Another catalog owner may not change it; a plain person may not
		// change anything; a catalog owner may not create items for others.
		h.want("mia", "PUT", "/api/v1/catalog/items/reports", reportsItem("low", ""), 403)
		h.want("dana", "PUT", "/api/v1/catalog/items/reports", reportsItem("low", ""), 403)
		h.want("mia", "PUT", "/api/v1/catalog/items/dash", reportsItem("low", ""), 403)
		h.want("dana", "POST", "/api/v1/catalog/items/reports/retire", nil, 403)
		// What an item grants stays with the reviewed files and admins.
		ldap := reportsItem("high", "")
		ldap["fulfillment"] = map[string]any{"type": "ldap-group", "params": map[string]any{"source": "ad", "group": "cn=admins"}}
		h.want("olga", "PUT", "/api/v1/catalog/items/reports", ldap, 403)
		h.want("olga", "PUT", "/api/v1/catalog/items/admins", ldap, 403)
		target := reportsItem("high", "")
		target["target"] = map[string]any{"system": "erp", "entitlement": "root"}
		h.want("olga", "PUT", "/api/v1/catalog/items/reports", target, 403)
		birthright := reportsItem("high", "")
		birthright["birthright"] = map[string]any{"jobFunctions": []string{"finance-analyst"}}
		h.want("olga", "PUT", "/api/v1/catalog/items/reports", birthright, 403)

		// Bad input: 400 naming the field, nothing stored.
		bad := []struct {
			name  string
			body  any
			field string
		}{
			{"cel", reportsItem("low", "beneficiary.department =="), "eligibility.when"},
			{"risk", reportsItem("extreme", ""), "risk"},
			{"kind", func() any { b := reportsItem("low", ""); b["kind"] = "spaceship"; return b }(), "kind"},
			{"duration", func() any { b := reportsItem("low", ""); b["maxDuration"] = "forever"; return b }(), "maxDuration"},
			{"unknown field", func() any { b := reportsItem("low", ""); b["colour"] = "red"; return b }(), "colour"},
			{"owner", func() any { b := reportsItem("low", ""); b["owner"] = "ghost@example.com"; return b }(), "owner"},
			{"not an object", "[1]", "(body)"},
		}
		for _, tc := range bad {
			t.Run(tc.name, func(t *testing.T) {
				out := h.want("olga", "PUT", "/api/v1/catalog/items/reports", tc.body, 400)
				fields, _ := out["fields"].([]any)
				if !slices.ContainsFunc(fields, func(f any) bool { return f.(map[string]any)["field"] == tc.field }) {
					t.Fatalf("fields %v do not name %s", fields, tc.field)
				}
			})
		}
		versions := h.want("mia", "GET", "/api/v1/catalog/items/reports/versions", nil, 200)["versions"].([]any)
		if len(versions) != 1 || len(h.auditActions()) != 1 {
			t.Fatalf("bad input was stored: %v", versions)
		}

		// The owner creates a new item; the admin changes olga's item back,
		// a loosening that olga approves.
		h.want("olga", "PUT", "/api/v1/catalog/items/dash", reportsItem("low", ""), 200)
		change := h.want("root", "PUT", "/api/v1/catalog/items/reports", reportsItem("low", ""), 202)["change"].(map[string]any)
		h.want("olga", "POST", "/api/v1/catalog/changes/"+change["id"].(string)+"/approve", nil, 200)
		now, _ := h.catalogOf("dana")
		if now["reports"] != "auto-approve" || now["dash"] != "auto-approve" {
			t.Fatalf("catalog after create and revert: %v", now)
		}
		versions = h.want("olga", "GET", "/api/v1/catalog/items/reports/versions", nil, 200)["versions"].([]any)
		if len(versions) != 2 || versions[1].(map[string]any)["version"] != float64(2) ||
			versions[0].(map[string]any)["definition"].(map[string]any)["risk"] != "high" {
			t.Fatalf("versions: %v", versions)
		}

		// Retiring takes the item out of the catalog; it can come back.
		out = h.want("olga", "POST", "/api/v1/catalog/items/reports/retire", nil, 200)
		if out["version"].(map[string]any)["retired"] != true {
			t.Fatalf("retire: %v", out)
		}
		if now, _ := h.catalogOf("dana"); now["reports"] != "" || now["dash"] == "" {
			t.Fatalf("catalog after retire: %v", now)
		}
		h.want("olga", "POST", "/api/v1/catalog/items/nothing/retire", nil, 404)
		// Bringing it back loosens it: the admin approves.
		change = h.want("olga", "PUT", "/api/v1/catalog/items/reports", reportsItem("low", ""), 202)["change"].(map[string]any)
		h.want("root", "POST", "/api/v1/catalog/changes/"+change["id"].(string)+"/approve", nil, 200)
		if now, _ := h.catalogOf("dana"); now["reports"] != "auto-approve" {
			t.Fatalf("catalog after bringing it back: %v", now)
		}
		if n := len(h.auditActions()); n != 5 {
			t.Fatalf("%d audit events, want 5", n)
		}
	})
}

// A file-only item retired through the API stays retired after a reload
// from files and store, as the minute reload does.
func TestEffectiveCatalogRetiresFileItem(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		h := newCatalogEditHarness(t, st)
		h.want("olga", "POST", "/api/v1/catalog/items/reports/retire", nil, 200)
		file := h.want("root", "GET", "/api/v1/catalog/items/reports/versions", nil, 200)["versions"].([]any)
		if len(file) != 1 || file[0].(map[string]any)["definition"] != nil {
			t.Fatalf("versions: %v", file)
		}
		if got, _ := h.catalogOf("dana"); len(got) != 0 {
			t.Fatalf("catalog: %v", got)
		}
	})
}
