package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// hookReceiver is a webhook receiver on loopback that applies each event
// once per Idempotency-Key, as a careful downstream system does. Until
// released, it holds every delivery open after applying it, so the test
// can kill syncd between its commit and the end of the external call.
type hookReceiver struct {
	mu         sync.Mutex
	deliveries []string            // Idempotency-Key of every delivery
	applied    map[string]int      // effective changes by key
	got        chan struct{}       // one per delivery
	release    chan struct{}       // closed: answer at once
	secret     []byte              // verifies X-Syncd-Signature
	events     map[string][]string // action by grant
}

func newHookReceiver(secret string) *hookReceiver {
	return &hookReceiver{applied: map[string]int{}, got: make(chan struct{}, 16), release: make(chan struct{}),
		secret: []byte(secret), events: map[string][]string{}}
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.Header.Get("X-Syncd-Signature") != access.Sign(h.secret, body) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var ev access.WebhookEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	h.mu.Lock()
	h.deliveries = append(h.deliveries, key)
	if key != "" && h.applied[key] == 0 {
		h.events[ev.GrantID] = append(h.events[ev.GrantID], ev.Action)
	}
	if key != "" {
		h.applied[key]++
	}
	h.mu.Unlock()
	h.got <- struct{}{}
	select {
	case <-h.release:
	case <-r.Context().Done():
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *hookReceiver) snapshot() (deliveries []string, effects map[string][]string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	effects = map[string][]string{}
	for k, v := range h.events {
		effects[k] = append([]string(nil), v...)
	}
	return append([]string(nil), h.deliveries...), effects
}

// TestServeKilledDuringWebhookFulfillment: a real `syncd serve` commits an
// auto-approved grant and starts its webhook fulfillment; the receiver
// holds the call open and the test kills the process with SIGKILL (kill
// -9) between the commit and the end of the external change. A new
// process, on the same database, redoes the work once the dead worker's
// lease lapses: the receiver sees the same Idempotency-Key again and
// exactly one effective change happens; the grant ends up active.
func TestServeKilledDuringWebhookFulfillment(t *testing.T) {
	if testing.Short() {
		t.Skip("starts syncd processes")
	}
	for _, driver := range gormtest.Drivers {
		t.Run(driver, func(t *testing.T) {
			p := newProcEnv(t, driver, gormtest.FreshDSN(t, driver))
			const secret = "hook-signing-secret"
			hook := newHookReceiver(secret)
			recv := httptest.NewServer(hook)
			t.Cleanup(recv.Close)
			t.Cleanup(func() {
				select {
				case <-hook.release:
				default:
					close(hook.release)
				}
			})
			catalogYAML := fmt.Sprintf(`items:
  - id: hook
    name: Hooked app
    kind: app-role
    owner: olga@x.test
    risk: low
    approval:
      autoApprove: {when: 'true'}
    maxDuration: 30d
    fulfillment: {type: webhook, params: {url: %q, secretEnv: HOOK_SECRET}}
`, recv.URL+"/syncd/grant")
			if err := os.WriteFile(filepath.Join(p.dir, "catalog.yaml"), []byte(catalogYAML), 0o600); err != nil {
				t.Fatal(err)
			}
			// The people come in over SCIM, as from an IdP.
			first := p.startWith(t, "a", hookConfig(recv.URL), "HOOK_SECRET="+secret)
			c := p.client()
			for _, u := range []string{"olga@x.test", "sam@x.test"} {
				body := scimUser(u)
				body["emails"] = []any{map[string]any{"value": u, "primary": true}}
				c.must(t, first.base, "POST", "/Users", body, 201)
			}
			out, err := p.cli("token create", "--name", "sam-cli", "--scope", "requests,read", "--owner", "sam@x.test")
			if err != nil {
				t.Fatalf("token create: %v\n%s", err, out)
			}
			samToken := strings.TrimSpace(out)

			status, req := apiCall(t, first.base, samToken, "POST", "/api/v1/requests", map[string]any{"item": "hook", "justification": "crash test"})
			if status/100 != 2 {
				t.Fatalf("submit: %d %v", status, req)
			}
			reqID := req["request"].(map[string]any)["id"].(string)
			select {
			case <-hook.got:
			case <-time.After(30 * time.Second):
				t.Fatalf("no webhook delivery: %s", first.logs)
			}
			// The external call is in flight: kill -9.
			first.kill()
			if got := grantState(t, p, reqID); got != "pending" {
				t.Fatalf("grant after the kill: %s, want pending", got)
			}

			// A new process: once the lease lapses, its worker redoes the
			// work; the receiver answers at once now.
			close(hook.release)
			second := p.startWith(t, "b", hookConfig(recv.URL), "HOOK_SECRET="+secret)
			deadline := time.Now().Add(60 * time.Second)
			for {
				st, r := apiCall(t, second.base, samToken, "GET", "/api/v1/requests/"+reqID, nil)
				if st == 200 && fmt.Sprint(r["grant"].(map[string]any)["state"]) == "active" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("grant not active after the restart: %d %v\n%s", st, r, second.logs)
				}
				time.Sleep(200 * time.Millisecond)
			}
			deliveries, effects := hook.snapshot()
			if len(deliveries) < 2 {
				t.Fatalf("deliveries %v: the work was not redone after the kill", deliveries)
			}
			for _, k := range deliveries {
				if k != deliveries[0] || !strings.HasSuffix(k, ":grant") {
					t.Fatalf("deliveries carry different idempotency keys: %v", deliveries)
				}
			}
			if len(effects) != 1 {
				t.Fatalf("effects %v, want one grant", effects)
			}
			for g, actions := range effects {
				if len(actions) != 1 || actions[0] != "grant" {
					t.Fatalf("grant %s: effective changes %v, want exactly one grant", g, actions)
				}
			}
			t.Logf("%d deliveries, one effective change", len(deliveries))
		})
	}
}

// hookConfig is the serve configuration of the crash test: catalog, a
// short fulfillment lease so the restarted process need not wait 5m, and
// the receiver on loopback allowed.
func hookConfig(receiver string) func(p *procEnv, listen string) string {
	return func(p *procEnv, listen string) string {
		return fmt.Sprintf(`server:
  listen: %s
  baseURL: http://%s
storage:
  driver: %s
  dsn: %q
  autoMigrate: true
log:
  level: warn
sources:
  - name: entra
    role: idp
    type: scim-push
scim:
  ratePerSecond: 100000
catalog:
  files: [catalog.yaml]
access:
  fulfillmentLease: 2s
jobs:
  pollInterval: 200ms
  leaseTTL: 2s
security:
  webhookAllowList: [%s/syncd/]
  webhookAllowedNetworks: [127.0.0.1/32]
`, listen, listen, p.driver, p.dsn, receiver)
	}
}

// startWith runs `syncd serve` with the configuration config writes and
// extra environment, and waits until it is ready; killed when the test
// ends.
func (p *procEnv) startWith(t *testing.T, name string, config func(p *procEnv, listen string) string, env ...string) *server {
	t.Helper()
	addr := freePort(t)
	cfg := filepath.Join(p.dir, name+".yaml")
	if err := os.WriteFile(cfg, []byte(config(p, addr)), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &server{base: "http://" + addr, logs: &bytes.Buffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(p.bin, "serve", "--config", cfg)
	s.cmd.Env = append(os.Environ(), env...)
	s.cmd.Stdout, s.cmd.Stderr = &lockedWriter{w: s.logs}, &lockedWriter{w: s.logs}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(s.kill)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if res, err := http.Get(s.base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return s
			}
		}
		select {
		case <-s.done:
			t.Fatalf("serve exited: %s", s.logs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not ready after 30s: %s", s.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// apiCall calls the JSON API with a bearer token.
func apiCall(t *testing.T, base, token, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// grantState reads the state of the request's grant from the database.
func grantState(t *testing.T, p *procEnv, requestID string) string {
	t.Helper()
	st := openForTest(t, p.driver, p.dsn)
	gs, err := st.ListGrants(t.Context(), store.GrantQuery{ItemID: "hook"})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gs {
		if g.RequestID == requestID {
			return string(g.State)
		}
	}
	t.Fatalf("request %s has no grant among %v", requestID, gs)
	return ""
}
