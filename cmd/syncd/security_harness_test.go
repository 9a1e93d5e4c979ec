package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/auth/authtest"
	"github.com/syncd-dev/syncd/internal/demoidp"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/token"
)

// secServe is a real `syncd serve` (the daemon built from a configuration
// file, on a real listener) with web sign-in through the test OpenID
// provider, a SCIM push source "hr" and a catalog whose item "reports"
// needs the requester's manager's approval. People come in through SCIM.
//
//	carol (admin) ── mike ── rita
//	              └─ sam
//	alice (auditor)
type secServe struct {
	t      *testing.T
	base   string
	idp    *demoidp.Server
	st     *gormstore.Store
	scim   string            // SCIM bearer token of source hr
	ids    map[string]string // userName → person id
	nhis   map[string]string // NHI name → id
	scimID map[string]string // userName → SCIM resource id
	logs   *syncBuffer
	cfg    string
	d      *daemon
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var secUsers = []demoidp.User{
	{ID: "sub-carol", Username: "carol", Password: "pw-carol", Name: "carol", Email: "carol@example.com", Groups: []string{"syncd-admins"}},
	{ID: "sub-mike", Username: "mike", Password: "pw-mike", Name: "mike", Email: "mike@example.com"},
	{ID: "sub-rita", Username: "rita", Password: "pw-rita", Name: "rita", Email: "rita@example.com"},
	{ID: "sub-sam", Username: "sam", Password: "pw-sam", Name: "sam", Email: "sam@example.com"},
	{ID: "sub-alice", Username: "alice", Password: "pw-alice", Name: "alice", Email: "alice@example.com", Groups: []string{"syncd-auditors"}},
	{ID: "sub-pat", Username: "pat", Password: "pw-pat", Name: "pat", Email: "pat@example.com"},
	{ID: "sub-eve", Username: "eve", Password: "pw-eve", Name: "eve", Email: "eve@example.com", EmailUnverified: true},
}

// newSecServe starts the daemon; extra is appended to the configuration.
func newSecServe(t *testing.T, extra string) *secServe {
	t.Helper()
	return newSecServeCatalog(t, extra, "")
}

// newSecServeCatalog is newSecServe with more catalog items (YAML list
// entries, indented as items of "items:").
func newSecServeCatalog(t *testing.T, extra, items string) *secServe {
	t.Helper()
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &secServe{t: t, base: "http://" + ln.Addr().String(), ids: map[string]string{}, nhis: map[string]string{}, scimID: map[string]string{}, logs: &syncBuffer{}}
	h.idp = authtest.StartIDP(t, h.base+"/auth/callback", secUsers)
	if err := os.WriteFile(filepath.Join(dir, "catalog.yaml"), []byte(`items:
  - id: reports
    name: Reports
    kind: app-role
    owner: carol@example.com
    risk: low
    approval:
      stages: [{name: manager, approvers: [{manager: true}]}]
    maxDuration: 30d
    fulfillment: {type: manual}
`+items), 0o600); err != nil {
		t.Fatal(err)
	}
	dsn := filepath.Join(dir, "syncd.db")
	h.cfg = filepath.Join(dir, "syncd.yaml")
	body := fmt.Sprintf(`server: {listen: %q}
storage: {driver: sqlite, dsn: %q, autoMigrate: true}
log: {level: info}
sources: [{name: hr, role: hr, type: scim-push}]
catalog: {files: [catalog.yaml]}
web:
  oidc:
    issuer: %s
    clientID: %s
    clientSecretEnv: SYNCD_TEST_OIDC_SECRET
    redirectURL: %s/auth/callback
  roles:
    admin: [syncd-admins]
    auditor: [syncd-auditors]
    catalog-owner: [app-owners]
  session: {insecureCookie: true}
%s`, ln.Addr().String(), dsn, h.idp.Issuer, authtest.ClientID, h.base, extra)
	if err := os.WriteFile(h.cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	// A webhook item's secretEnv is resolved at load: tests set it with
	// t.Setenv before starting the harness.
	getenv := envMap(map[string]string{"SYNCD_TEST_OIDC_SECRET": authtest.ClientSecret, "SYNCD_TEST_HOOK_SECRET": os.Getenv("SYNCD_TEST_HOOK_SECRET")})
	cfg, err := loadConfig(h.cfg, getenv)
	if err != nil {
		t.Fatal(err)
	}
	logger := newLogger(h.logs, cfg.Log)
	st, err := openStore(t.Context(), cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := ensureSchema(t.Context(), st, true); err != nil {
		t.Fatal(err)
	}
	h.st = st
	// The catalog names carol as owner: she must exist before the daemon
	// resolves it, so the people come first, over SCIM on a bare server.
	h.scim, _, err = token.Issue(t.Context(), st, time.Now(), "test", "hr-push", store.ScopeSCIM, "hr")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	d, err := newDaemon(ctx, cfg, st, logger)
	if err != nil {
		cancel()
		t.Fatalf("daemon: %v\n%s", err, h.logs)
	}
	h.d = d
	served := make(chan error, 1)
	go func() { served <- d.serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-served
	})
	for _, u := range []struct{ name, manager string }{{"carol", ""}, {"alice", ""}, {"mike", "carol"}, {"rita", "mike"}, {"sam", "carol"}, {"eve", "carol"}} {
		h.pushUser(u.name, u.manager)
	}
	pr, err := st.CreateProject(t.Context(), store.Project{Name: "apollo", OwnerID: h.ids["sam"]})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []struct{ name, owner, project string }{
		{"svc-rita", "rita", ""}, {"svc-sam", "sam", ""}, {"svc-orphan", "", ""}, {"svc-apollo", "", pr.ID},
	} {
		got, err := st.CreateNHI(t.Context(), store.NHI{Kind: store.KindServiceAccount, Name: n.name, Source: "ldap",
			Environment: "prod", OwnerID: h.ids[n.owner], ProjectID: n.project})
		if err != nil {
			t.Fatal(err)
		}
		h.nhis[n.name] = got.ID
	}
	return h
}

// pushUser creates a person through SCIM.
func (h *secServe) pushUser(name, manager string) {
	h.t.Helper()
	doc := map[string]any{
		"schemas":    []string{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
		"userName":   name,
		"externalId": name,
		"active":     true,
		"emails":     []any{map[string]any{"value": name + "@example.com", "primary": true}},
		"title":      "Staff",
	}
	if manager != "" {
		doc["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] = map[string]any{"manager": map[string]any{"value": h.scimID[manager]}}
	}
	status, out := h.scimCall(http.MethodPost, "/scim/v2/Users", doc)
	if status != http.StatusCreated {
		h.t.Fatalf("SCIM create %s: %d %v", name, status, out)
	}
	h.scimID[name] = out["id"].(string)
	ps, err := h.st.FindPersons(h.t.Context(), store.MatchEmail, name+"@example.com")
	if err != nil || len(ps) != 1 {
		h.t.Fatalf("person %s: %v %d", name, err, len(ps))
	}
	h.ids[name] = ps[0].ID
}

func (h *secServe) scimCall(method, path string, body any) (int, map[string]any) {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequestWithContext(h.t.Context(), method, h.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+h.scim)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// as signs user in through the provider and returns the browser.
func (h *secServe) as(user string) *authtest.Browser {
	h.t.Helper()
	b := authtest.NewBrowser(h.t)
	resp := b.SignIn(h.base, "/", user, "pw-"+user)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("sign in as %s: %d %s", user, resp.StatusCode, resp.Body)
	}
	return b
}

// csrf reads the session's form token from the home page.
func (h *secServe) csrf(b *authtest.Browser) string {
	h.t.Helper()
	m := csrfField.FindStringSubmatch(b.Get(h.base + "/").Body)
	if m == nil {
		h.t.Fatal("no CSRF token on the home page")
	}
	return m[1]
}

// api calls /api/v1 with the browser's session (and CSRF token for
// writes), or with a bearer token when bearer is set.
func (h *secServe) api(b *authtest.Browser, bearer, method, path string, body any) authtest.Response {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequestWithContext(h.t.Context(), method, h.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if b == nil {
		b = authtest.NewBrowser(h.t)
	} else if method != http.MethodGet {
		req.Header.Set("X-CSRF-Token", h.csrf(b))
		req.Header.Set("Origin", h.base)
	}
	return b.Do(req)
}

// auditActions returns the actions of every audit event in order.
func (h *secServe) audit() []store.AuditEvent {
	h.t.Helper()
	evs, err := h.st.ListAudit(h.t.Context(), 0, 100000)
	if err != nil {
		h.t.Fatal(err)
	}
	return evs
}

func (h *secServe) countAudit(action string) int {
	n := 0
	for _, e := range h.audit() {
		if e.Action == action {
			n++
		}
	}
	return n
}

func hasAction(evs []store.AuditEvent, action, detail string) bool {
	for _, e := range evs {
		if e.Action == action && strings.Contains(e.Target+" "+e.Actor+" "+string(e.Details), detail) {
			return true
		}
	}
	return false
}
