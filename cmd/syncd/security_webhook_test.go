package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// The webhook allow-list binds catalog files too: config validate (and so
// serve) refuses a file naming a destination outside it, naming the list.
func TestCatalogFileWebhookAllowList(t *testing.T) {
	item := func(url string) string {
		return fmt.Sprintf(`items:
  - {id: hook, name: Hook, kind: group, owner: o@x, risk: low, fulfillment: {type: webhook, params: {url: %q, secretEnv: HOOK_SECRET}}}
`, url)
	}
	for _, tc := range []struct {
		url, allow string
		ok         bool
	}{
		{"https://hooks.example.com/syncd/x", "", false},
		{"http://169.254.169.254/latest/meta-data/", "[https://hooks.example.com/syncd/]", false},
		{"https://hooks.example.com.evil.example/syncd/x", "[https://hooks.example.com/syncd/]", false},
		{"https://hooks.example.com/syncd/x", "[https://hooks.example.com/syncd/]", true},
	} {
		cfg := writeCatalogConfig(t, filepath.Join(t.TempDir(), "x.db"), item(tc.url))
		if tc.allow != "" {
			appendFile(t, cfg, "security: {webhookAllowList: "+tc.allow+"}\n")
		}
		code, _, errOut := cli(t, envMap(map[string]string{"HOOK_SECRET": "s"}), "config", "validate", "--config", cfg)
		if tc.ok {
			if code != exitOK {
				t.Errorf("%s allowed by %s: exit %d: %s", tc.url, tc.allow, code, errOut)
			}
			continue
		}
		if code != exitUsage || !strings.Contains(errOut, `item "hook": fulfillment.params.url`) || !strings.Contains(errOut, "webhookAllowList") {
			t.Errorf("%s with allow-list %q: exit %d: %s", tc.url, tc.allow, code, errOut)
		}
	}
}

// At send time the fulfiller checks again: loopback (and other internal
// addresses) only when security.webhookAllowedNetworks names them, and no
// redirect out of the allow-list is followed.
func TestWebhookSendTimeGuard(t *testing.T) {
	t.Setenv("SYNCD_TEST_HOOK_SECRET", "hook-secret")
	var outsideHits atomic.Int32
	outside := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { outsideHits.Add(1) }))
	defer outside.Close()
	var hookHits atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hookHits.Add(1)
		if strings.HasPrefix(r.URL.Path, "/syncd/away") {
			http.Redirect(w, r, outside.URL+"/syncd/grant", http.StatusTemporaryRedirect)
		}
	}))
	defer hook.Close()

	for _, tc := range []struct {
		name, path, networks string
		active               bool
		hookHits             int32 // at least; 0 exactly
		errWants             string
	}{
		{"loopback not allowed", "/syncd/grant", "", false, 0, "internal-only address"},
		{"loopback allowed", "/syncd/grant", "[127.0.0.1/32]", true, 1, ""},
		{"redirect out of the allow-list", "/syncd/away", "[127.0.0.1/32]", false, 1, "webhookAllowList"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hookHits.Store(0)
			sec := "security: {webhookAllowList: ['" + hook.URL + "/syncd/']"
			if tc.networks != "" {
				sec += ", webhookAllowedNetworks: " + tc.networks
			}
			h := newSecServeCatalog(t, sec+"}\n", fmt.Sprintf(`  - id: hook
    name: Hook
    kind: app-role
    owner: carol@example.com
    risk: low
    approval: {autoApprove: {when: "true"}}
    maxDuration: 30d
    fulfillment: {type: webhook, params: {url: %q, secretEnv: SYNCD_TEST_HOOK_SECRET}}
`, hook.URL+tc.path))
			rita := h.as("rita")
			if r := h.api(rita, "", http.MethodPost, "/api/v1/requests", map[string]any{"item": "hook", "justification": "work"}); r.StatusCode >= 300 {
				t.Fatalf("submit: %d %s", r.StatusCode, r.Body)
			}
			var g store.Grant
			for deadline := time.Now().Add(15 * time.Second); ; {
				gs, err := h.st.ListGrants(t.Context(), store.GrantQuery{HolderID: h.ids["rita"], ItemID: "hook"})
				if err != nil {
					t.Fatal(err)
				}
				if len(gs) == 1 && (gs[0].State == store.GrantActive || gs[0].FulfillmentError != "") {
					g = gs[0]
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no fulfillment outcome: %+v", gs)
				}
				time.Sleep(20 * time.Millisecond)
			}
			if (g.State == store.GrantActive) != tc.active || !strings.Contains(g.FulfillmentError, tc.errWants) {
				t.Fatalf("grant %s, error %q; want active=%v, error with %q", g.State, g.FulfillmentError, tc.active, tc.errWants)
			}
			// (A refused redirect is retried like any failed send.)
			if (hookHits.Load() == 0) != (tc.hookHits == 0) || outsideHits.Load() != 0 {
				t.Fatalf("receiver got %d requests (want %d or more), the outside destination %d", hookHits.Load(), tc.hookHits, outsideHits.Load())
			}
		})
	}
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}
