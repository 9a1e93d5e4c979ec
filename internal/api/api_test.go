package api_test

import (
	"bytes"
	"encoding/json"
	"github.com/syncd-dev/syncd/internal/access"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/api"
	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
	"github.com/syncd-dev/syncd/internal/token"
)

// personAuth stands in for the web engineer's OIDC session authenticator,
// which does not exist yet: it trusts an X-Test-Person header. It is only
// wired in tests, to exercise per-object authorization of person callers.
type personAuth struct{ admins map[string]bool }

func (a personAuth) Authenticate(r *http.Request) (api.Principal, error) {
	id := r.Header.Get("X-Test-Person")
	if id == "" {
		return api.Principal{}, api.ErrNoCredentials
	}
	p := api.Principal{PersonID: id}
	if a.admins[id] {
		p.Roles = []string{api.RoleAdmin}
	}
	return p, nil
}

type harness struct {
	t      *testing.T
	st     store.Store
	srv    *httptest.Server
	secret string
	ids    map[string]string // userName → person id
	now    time.Time
	access *access.Service // the request flow, when served
}

// work runs the request flow's fulfillment worker until nothing is due.
func (h *harness) work() {
	h.t.Helper()
	if _, err := h.access.ProcessFulfillments(h.t.Context()); err != nil {
		h.t.Fatalf("fulfillment work: %v", err)
	}
}

func newHarness(t *testing.T, s *gormstore.Store) *harness {
	t.Helper()
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	idsvc, err := identity.New(identity.Config{Sources: map[string]identity.SourceRole{"okta": identity.RoleIdP}}, s, identity.WithNow(clock))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, st: s, ids: map[string]string{}, now: now}
	for _, u := range []string{"alice", "bob", "root"} {
		res, err := idsvc.Apply(t.Context(), identity.Batch{Source: "okta", Changes: []identity.Change{{Op: identity.OpUpsert,
			Record: identity.Record{ExternalID: u, Attributes: map[string]string{"userName": u, "email": u + "@example.com"}}}}})
		if err != nil || len(res.Applied) != 1 {
			t.Fatalf("person %s: %v %+v", u, err, res)
		}
		h.ids[u] = res.Applied[0].PersonID
	}
	h.secret, _, err = token.Issue(t.Context(), s, now, "test", "robot", store.ScopeAPI, "")
	if err != nil {
		t.Fatal(err)
	}
	svc := &nhi.Service{Store: s, Now: clock, Remediation: nhi.Remediation{Deadline: 24 * time.Hour, FallbackTeam: "security"}}
	mux := http.NewServeMux()
	(&api.Server{Store: s, NHI: svc, Auth: api.Chain{api.TokenAuthenticator{Store: s, Now: clock}, personAuth{admins: map[string]bool{h.ids["root"]: true}}}}).Register(mux)
	h.srv = httptest.NewServer(mux)
	t.Cleanup(h.srv.Close)
	return h
}

// as names the caller: "token", "none", a bad secret, or a userName.
func (h *harness) do(as, method, path string, body any) (int, map[string]any) {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(h.t.Context(), method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	switch {
	case as == "token":
		req.Header.Set("Authorization", "Bearer "+h.secret)
	case as == "none":
	case strings.HasPrefix(as, "Bearer "):
		req.Header.Set("Authorization", as)
	default:
		req.Header.Set("X-Test-Person", h.ids[as])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			h.t.Fatalf("%s %s: body %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode, out
}

func (h *harness) want(as, method, path string, body any, status int) map[string]any {
	h.t.Helper()
	got, out := h.do(as, method, path, body)
	if got != status {
		h.t.Fatalf("%s %s as %s: status %d, want %d; body %v", method, path, as, got, status, out)
	}
	return out
}

// fieldsOf returns "field: message" of an error body.
func fieldsOf(body map[string]any) []string {
	var out []string
	fs, _ := body["fields"].([]any)
	for _, f := range fs {
		m := f.(map[string]any)
		out = append(out, m["field"].(string)+": "+m["message"].(string))
	}
	return out
}

func TestAuthenticationRequired(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, s *gormstore.Store) {
		h := newHarness(t, s)
		scim, _, err := token.Issue(t.Context(), s, h.now, "test", "idp", store.ScopeSCIM, "")
		if err != nil {
			t.Fatal(err)
		}
		routes := [][2]string{
			{"GET", "/api/v1/nhis"}, {"POST", "/api/v1/nhis"}, {"GET", "/api/v1/nhis/x"}, {"PATCH", "/api/v1/nhis/x"},
			{"POST", "/api/v1/nhis/x/retire"}, {"GET", "/api/v1/projects"}, {"POST", "/api/v1/projects"},
			{"GET", "/api/v1/projects/x"}, {"PATCH", "/api/v1/projects/x"}, {"GET", "/api/v1/findings"},
			{"POST", "/api/v1/findings/1/acknowledge"}, {"GET", "/api/v1/tasks"}, {"POST", "/api/v1/tasks/1/accept"},
		}
		for _, rt := range routes {
			for _, as := range []string{"none", "Bearer syncd_0123456789abcdef_" + strings.Repeat("A", 43), "Bearer " + scim, "Bearer " + h.secret + "x"} {
				code, _ := h.do(as, rt[0], rt[1], "{}")
				if code != http.StatusUnauthorized {
					t.Fatalf("%s %s with %.20q: %d, want 401", rt[0], rt[1], as, code)
				}
			}
		}
		h.want("token", "GET", "/api/v1/nhis", nil, http.StatusOK)
	})
}

func TestNHILifecycleOverHTTP(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, s *gormstore.Store) {
		h := newHarness(t, s)
		created := h.want("token", "POST", "/api/v1/nhis", map[string]any{
			"kind": "api-key", "name": "key-billing", "environment": "prod", "expires_at": "2027-01-31",
		}, http.StatusCreated)
		id := created["id"].(string)
		if created["source"] != "api" || created["status"] != "active" || created["expires_at"] != "2027-01-31T00:00:00Z" {
			t.Fatalf("created %v", created)
		}
		// An ownerless NHI is an admin's to see (issue 12: the API follows
		// the same object policy as the web UI).
		h.want("alice", "GET", "/api/v1/nhis/"+id, nil, http.StatusNotFound)
		got := h.want("root", "GET", "/api/v1/nhis/"+id, nil, http.StatusOK)
		fs, _ := got["findings"].([]any)
		if len(fs) != 1 || fs[0].(map[string]any)["rule"] != nhi.RuleNoOwner {
			t.Fatalf("findings of an ownerless NHI: %v", got["findings"])
		}
		list := h.want("token", "GET", "/api/v1/nhis?kind=api-key&environment=prod", nil, http.StatusOK)
		if items := list["items"].([]any); len(items) != 1 {
			t.Fatalf("list %v", list)
		}
		list = h.want("token", "GET", "/api/v1/nhis?kind=token", nil, http.StatusOK)
		if items := list["items"].([]any); len(items) != 0 {
			t.Fatalf("filtered list %v", list)
		}

		// Nobody owns it: bob may not take it, the token (admin) may assign alice.
		// (bob cannot see it either, so it is as unknown to him as a missing id).
		h.want("bob", "PATCH", "/api/v1/nhis/"+id, map[string]any{"owner": "bob"}, http.StatusNotFound)
		up := h.want("token", "PATCH", "/api/v1/nhis/"+id, map[string]any{"owner": "alice@example.com"}, http.StatusOK)
		if up["owner_id"] != h.ids["alice"] {
			t.Fatalf("owner after patch %v", up)
		}
		if f := h.want("token", "GET", "/api/v1/findings?rule=no-owner", nil, http.StatusOK); len(f["items"].([]any)) != 0 {
			t.Fatalf("no-owner finding did not resolve: %v", f)
		}
		h.want("bob", "PATCH", "/api/v1/nhis/"+id, map[string]any{"description": "mine now"}, http.StatusNotFound)
		h.want("bob", "POST", "/api/v1/nhis/"+id+"/retire", nil, http.StatusNotFound)
		h.want("alice", "PATCH", "/api/v1/nhis/"+id, map[string]any{"expires_at": "2026-05-01"}, http.StatusOK)
		f := h.want("alice", "GET", "/api/v1/findings?nhi="+id, nil, http.StatusOK)
		items := f["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["rule"] != nhi.RuleCredentialExpired {
			t.Fatalf("findings after expiry moved into the past: %v", f)
		}
		fid := int64(items[0].(map[string]any)["id"].(float64))
		ackPath := "/api/v1/findings/" + itoa(fid) + "/acknowledge"
		h.want("bob", "POST", ackPath, map[string]any{"justification": "x", "expires": "2026-07-01"}, http.StatusNotFound) // not his to see
		bad := h.want("alice", "POST", ackPath, map[string]any{"justification": "", "expires": "2026-07-01"}, http.StatusBadRequest)
		if fl := fieldsOf(bad); len(fl) != 1 || !strings.HasPrefix(fl[0], "justification:") {
			t.Fatalf("ack without justification: %v", bad)
		}
		ack := h.want("alice", "POST", ackPath, map[string]any{"justification": "rotating next sprint", "expires": "2026-07-01"}, http.StatusOK)
		if ack["state"] != "acknowledged" || ack["ack_by"] != "person:"+h.ids["alice"] {
			t.Fatalf("ack %v", ack)
		}
		// Bob's own NHI; root is an admin person.
		h.want("bob", "POST", "/api/v1/nhis", map[string]any{"kind": "token", "name": "tok-alice", "owner": "alice"}, http.StatusBadRequest)
		mine := h.want("bob", "POST", "/api/v1/nhis", map[string]any{"kind": "token", "name": "tok-bob"}, http.StatusCreated)
		if mine["owner_id"] != h.ids["bob"] {
			t.Fatalf("person-created NHI owner %v", mine)
		}
		h.want("root", "PATCH", "/api/v1/nhis/"+mine["id"].(string), map[string]any{"owning_team": "sre"}, http.StatusOK)
		retired := h.want("bob", "POST", "/api/v1/nhis/"+mine["id"].(string)+"/retire", nil, http.StatusOK)
		if retired["status"] != "retired" {
			t.Fatalf("retire %v", retired)
		}
		h.want("token", "GET", "/api/v1/nhis/nope", nil, http.StatusNotFound)
	})
}

func TestBadInputNamesTheFieldAndStoresNothing(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, s *gormstore.Store) {
		h := newHarness(t, s)
		h.want("token", "POST", "/api/v1/nhis", map[string]any{"kind": "token", "name": "dup"}, http.StatusCreated)
		h.want("token", "POST", "/api/v1/projects", map[string]any{"name": "dup-project", "owner": "alice"}, http.StatusCreated)
		cases := []struct {
			name, path string
			body       any
			field      string
			msg        string
		}{
			{"unknown kind", "/api/v1/nhis", map[string]any{"kind": "robot", "name": "a"}, "kind", `unknown kind "robot"`},
			{"wrong date format", "/api/v1/nhis", map[string]any{"kind": "token", "name": "a", "expires_at": "31.01.2027"}, "expires_at", "is not a date"},
			{"owner to nobody", "/api/v1/nhis", map[string]any{"kind": "token", "name": "a", "owner": "ghost"}, "owner", `"ghost" matches no person`},
			{"unknown project", "/api/v1/nhis", map[string]any{"kind": "token", "name": "a", "project": "nope"}, "project", "no project"},
			{"duplicate name within a source", "/api/v1/nhis", map[string]any{"kind": "api-key", "name": "dup"}, "name", `an NHI named "dup"`},
			{"missing name", "/api/v1/nhis", map[string]any{"kind": "token"}, "name", "required"},
			{"unknown field", "/api/v1/nhis", `{"kind":"token","name":"a","colour":"red"}`, "colour", "unknown field"},
			{"wrong type", "/api/v1/nhis", `{"kind":"token","name":7}`, "name", "must be a string"},
			{"not json", "/api/v1/nhis", `{"kind":`, "(body)", ""},
			{"project end before start", "/api/v1/projects", map[string]any{"name": "p", "owner": "alice", "start_date": "2026-06-01", "end_date": "2026-05-01"}, "end_date", "is before start_date"},
			{"project owner to nobody", "/api/v1/projects", map[string]any{"name": "p", "owner": "ghost"}, "owner", "matches no person"},
			{"duplicate project", "/api/v1/projects", map[string]any{"name": "dup-project", "owner": "alice"}, "name", "exists already"},
			{"project bad date", "/api/v1/projects", map[string]any{"name": "p", "end_date": "soon"}, "end_date", "is not a date"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				nhis, _ := s.CountNHIs(t.Context(), store.NHIQuery{})
				projects, _ := s.ListProjects(t.Context())
				events, _ := s.ListAudit(t.Context(), 0, 100000)
				body := h.want("token", "POST", tc.path, tc.body, http.StatusBadRequest)
				fl := fieldsOf(body)
				ok := false
				for _, f := range fl {
					ok = ok || (strings.HasPrefix(f, tc.field+": ") && strings.Contains(f, tc.msg))
				}
				if !ok {
					t.Fatalf("fields %q, want %s containing %q", fl, tc.field, tc.msg)
				}
				nhis2, _ := s.CountNHIs(t.Context(), store.NHIQuery{})
				projects2, _ := s.ListProjects(t.Context())
				events2, _ := s.ListAudit(t.Context(), 0, 100000)
				if nhis2 != nhis || len(projects2) != len(projects) || len(events2) != len(events) {
					t.Fatalf("something was stored: nhis %d→%d projects %d→%d audit %d→%d", nhis, nhis2, len(projects), len(projects2), len(events), len(events2))
				}
			})
		}
		// A bad update changes nothing either, and names every field.
		n := h.want("token", "POST", "/api/v1/nhis", map[string]any{"kind": "token", "name": "patched", "owner": "alice"}, http.StatusCreated)
		bad := h.want("token", "PATCH", "/api/v1/nhis/"+n["id"].(string), map[string]any{"owner": "ghost", "expires_at": "next week", "project": "nope"}, http.StatusBadRequest)
		if fl := fieldsOf(bad); len(fl) != 3 {
			t.Fatalf("patch errors %q", fl)
		}
		after := h.want("token", "GET", "/api/v1/nhis/"+n["id"].(string), nil, http.StatusOK)
		if after["owner_id"] != h.ids["alice"] || after["updated_at"] != n["updated_at"] || after["expires_at"] != nil {
			t.Fatalf("a rejected patch changed the NHI: %v", after)
		}
		bad = h.want("token", "GET", "/api/v1/nhis?kind=robot&limit=0", nil, http.StatusBadRequest)
		if len(fieldsOf(bad)) != 2 {
			t.Fatalf("query errors %v", bad)
		}
	})
}

func TestProjectsAndTasksOverHTTP(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, s *gormstore.Store) {
		h := newHarness(t, s)
		p := h.want("alice", "POST", "/api/v1/projects", map[string]any{"name": "apollo", "start_date": "2026-01-01", "end_date": "2026-05-01"}, http.StatusCreated)
		pid := p["id"].(string)
		if p["owner_id"] != h.ids["alice"] {
			t.Fatalf("project %v", p)
		}
		n := h.want("alice", "POST", "/api/v1/nhis", map[string]any{"kind": "workload", "name": "wl", "project": "apollo"}, http.StatusCreated)
		f := h.want("alice", "GET", "/api/v1/findings?rule=project-ended", nil, http.StatusOK)
		if len(f["items"].([]any)) != 1 {
			t.Fatalf("project-ended findings %v", f)
		}
		// bob may not see alice's project: as unknown as a missing one.
		h.want("bob", "PATCH", "/api/v1/projects/"+pid, map[string]any{"end_date": "2027-01-01"}, http.StatusNotFound)
		bad := h.want("alice", "PATCH", "/api/v1/projects/"+pid, map[string]any{"end_date": "2025-01-01"}, http.StatusBadRequest)
		if fl := fieldsOf(bad); len(fl) != 1 || !strings.HasPrefix(fl[0], "end_date:") {
			t.Fatalf("end before start: %v", bad)
		}
		h.want("alice", "PATCH", "/api/v1/projects/"+pid, map[string]any{"end_date": "2027-01-01"}, http.StatusOK)
		f = h.want("alice", "GET", "/api/v1/findings?rule=project-ended", nil, http.StatusOK)
		if len(f["items"].([]any)) != 0 {
			t.Fatalf("extending the project did not resolve: %v", f)
		}
		resolved := h.want("alice", "GET", "/api/v1/findings?state=resolved&nhi="+n["id"].(string), nil, http.StatusOK)
		if len(resolved["items"].([]any)) != 1 {
			t.Fatalf("resolved history %v", resolved)
		}
		if list := h.want("bob", "GET", "/api/v1/projects", nil, http.StatusOK); len(list["items"].([]any)) != 0 {
			t.Fatalf("bob sees alice's project: %v", list)
		}
		list := h.want("alice", "GET", "/api/v1/projects", nil, http.StatusOK)
		if len(list["items"].([]any)) != 1 {
			t.Fatalf("projects %v", list)
		}

		// A task, opened by evaluation when the owner leaves, is accepted by its assignee only.
		k, err := s.CreateTask(t.Context(), store.ReownershipTask{NHIID: n["id"].(string), FormerOwnerID: h.ids["alice"], Route: store.RouteManager, AssigneeID: h.ids["bob"], Deadline: h.now.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		tasks := h.want("bob", "GET", "/api/v1/tasks?assignee="+h.ids["bob"], nil, http.StatusOK)
		if len(tasks["items"].([]any)) != 1 {
			t.Fatalf("tasks %v", tasks)
		}
		h.want("alice", "POST", "/api/v1/tasks/"+itoa(k.ID)+"/accept", map[string]any{}, http.StatusForbidden)
		h.want("token", "POST", "/api/v1/tasks/"+itoa(k.ID)+"/accept", map[string]any{}, http.StatusBadRequest)
		acc := h.want("bob", "POST", "/api/v1/tasks/"+itoa(k.ID)+"/accept", map[string]any{}, http.StatusOK)
		if acc["state"] != "accepted" || acc["new_owner_id"] != h.ids["bob"] {
			t.Fatalf("accepted %v", acc)
		}
		h.want("bob", "POST", "/api/v1/tasks/"+itoa(k.ID)+"/accept", map[string]any{}, http.StatusConflict)
		got := h.want("bob", "GET", "/api/v1/nhis/"+n["id"].(string), nil, http.StatusOK)
		if got["owner_id"] != h.ids["bob"] {
			t.Fatalf("owner after accept %v", got)
		}
	})
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
