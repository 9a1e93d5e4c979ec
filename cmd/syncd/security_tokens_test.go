package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/auth/authtest"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/token"
)

// Gap 3: tokens are least-privilege: scopes bound what they do and see,
// each has an owner and an expiry, expired ones are refused.
func TestLeastPrivilegeTokens(t *testing.T) {
	h := newSecServe(t, "security: {tokens: {defaultExpiry: 1h, maxExpiry: 30d}}\n")
	getenv := envMap(map[string]string{"SYNCD_TEST_OIDC_SECRET": authtest.ClientSecret})
	create := func(args ...string) (int, string, string) {
		return cli(t, getenv, append([]string{"token", "create", "--config", h.cfg}, args...)...)
	}
	code, readTok, errOut := create("--name", "reader", "--scope", "read", "--owner", "rita@example.com", "--expires", "12h")
	if code != exitOK {
		t.Fatalf("create read token: %d %s", code, errOut)
	}
	readTok = strings.TrimSpace(readTok)
	if code, _, errOut := create("--name", "toolong", "--scope", "read", "--expires", "31d"); code != exitFailure || !strings.Contains(errOut, "at most") {
		t.Fatalf("expiry above the maximum: %d %s", code, errOut)
	}
	if code, _, errOut := create("--name", "nobody", "--scope", "read", "--owner", "ghost"); code != exitFailure {
		t.Fatalf("unknown owner: %d %s", code, errOut)
	}
	_, nhiTok, _ := create("--name", "nhi-bot", "--scope", "read,nhi:write", "--owner", "rita", "--expires", "90s")
	nhiTok = strings.TrimSpace(nhiTok)

	// A read token reads what its owner may see, and writes nothing.
	if r := h.api(nil, readTok, http.MethodGet, "/api/v1/nhis/"+h.nhis["svc-rita"], nil); r.StatusCode != http.StatusOK {
		t.Fatalf("read token, own NHI: %d %s", r.StatusCode, r.Body)
	}
	if r := h.api(nil, readTok, http.MethodGet, "/api/v1/nhis/"+h.nhis["svc-sam"], nil); r.StatusCode != http.StatusNotFound {
		t.Fatalf("read token, someone else's NHI: %d", r.StatusCode)
	}
	for _, c := range []struct{ method, path string }{
		{http.MethodPatch, "/api/v1/nhis/" + h.nhis["svc-rita"]},
		{http.MethodPost, "/api/v1/requests"},
		{http.MethodPut, "/api/v1/catalog/items/reports"},
		{http.MethodGet, "/api/v1/audit"},
	} {
		if r := h.api(nil, readTok, c.method, c.path, map[string]any{"description": "x"}); r.StatusCode != http.StatusForbidden {
			t.Errorf("read token %s %s: %d %s", c.method, c.path, r.StatusCode, r.Body)
		}
	}
	if r := h.api(nil, nhiTok, http.MethodPatch, "/api/v1/nhis/"+h.nhis["svc-rita"], map[string]any{"description": "by bot"}); r.StatusCode != http.StatusOK {
		t.Fatalf("nhi:write token on its owner's NHI: %d %s", r.StatusCode, r.Body)
	}
	if r := h.api(nil, nhiTok, http.MethodPatch, "/api/v1/nhis/"+h.nhis["svc-orphan"], map[string]any{"description": "x"}); r.StatusCode != http.StatusNotFound {
		t.Fatalf("nhi:write token on an NHI its owner may not see: %d", r.StatusCode)
	}
	// A scim token works only on SCIM; an API token not on SCIM.
	if r := h.api(nil, h.scim, http.MethodGet, "/api/v1/nhis", nil); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("scim token on the API: %d", r.StatusCode)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, h.base+"/scim/v2/Users", nil)
	req.Header.Set("Authorization", "Bearer "+readTok)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("read token on SCIM: %v %v", err, resp.StatusCode)
	}
	// Expired tokens are refused.
	old, _, err := token.IssueSpec(t.Context(), h.st, time.Now().Add(-2*time.Hour), "test",
		token.Spec{Name: "old", Scopes: []store.Scope{store.ScopeRead}, OwnerID: h.ids["rita"], Expires: time.Hour}, token.DefaultLifetime)
	if err != nil {
		t.Fatal(err)
	}
	if r := h.api(nil, old, http.MethodGet, "/api/v1/nhis", nil); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("expired token: %d", r.StatusCode)
	}
	if !hasAction(h.audit(), audit.ActionTokenDenied, "expired") {
		t.Error("no auth.token_denied event for the expired token")
	}
	code, out, _ := cli(t, getenv, "token", "list", "--config", h.cfg)
	if code != exitOK || !strings.Contains(out, "OWNER") || !strings.Contains(out, "rita") || !strings.Contains(out, "read,nhi:write") ||
		!strings.Contains(out, "(expired)") || !strings.Contains(out, "LAST USED") {
		t.Fatalf("token list:\n%s", out)
	}
	// A leaver's personal tokens die with the status change.
	patch := map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "replace", "path": "active", "value": false}}}
	if st, _ := h.scimCall(http.MethodPatch, "/scim/v2/Users/"+h.scimID["rita"], patch); st != http.StatusOK {
		t.Fatalf("disable rita: %d", st)
	}
	if r := h.api(nil, readTok, http.MethodGet, "/api/v1/nhis", nil); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("leaver's token: %d", r.StatusCode)
	}
}

// Gap 6: no unbounded anonymous writes; failed authentication is
// throttled per client, valid credentials never are.
func TestAnonymousRequestsAreBounded(t *testing.T) {
	h := newSecServe(t, "")
	for i := range 200 {
		if r := authtest.NewBrowser(t).Get(h.base + "/auth/login"); r.StatusCode != http.StatusFound {
			t.Fatalf("login %d: %d", i, r.StatusCode)
		}
	}
	if n, err := h.st.CountAnonymousWebSessions(t.Context()); err != nil || n >= 100 {
		t.Fatalf("anonymous session rows after 200 logins: %d %v", n, err)
	}
	good, _, err := token.IssueSpec(t.Context(), h.st, time.Now(), "test", token.Spec{Name: "good", Scopes: []store.Scope{store.ScopeRead}, OwnerID: h.ids["rita"]}, token.DefaultLifetime)
	if err != nil {
		t.Fatal(err)
	}
	var throttled authtest.Response
	for i := range 300 {
		r := h.api(nil, fmt.Sprintf("syncd_%016x_%s", i, strings.Repeat("A", 43)), http.MethodGet, "/api/v1/nhis", nil)
		if r.StatusCode == http.StatusTooManyRequests {
			throttled = r
			break
		}
		if r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("bad token %d: %d", i, r.StatusCode)
		}
	}
	if throttled.Response == nil || throttled.Header.Get("Retry-After") == "" {
		t.Fatal("300 bad tokens were never throttled with 429 and Retry-After")
	}
	if r := h.api(nil, good, http.MethodGet, "/api/v1/nhis", nil); r.StatusCode != http.StatusOK {
		t.Fatalf("valid token from the throttled address: %d", r.StatusCode)
	}
	// Failed sign-ins (forged callbacks) are throttled the same way, and
	// recorded at a bounded rate.
	b := authtest.NewBrowser(t)
	var got int
	for range 60 {
		got = b.Get(h.base + "/auth/callback?code=x&state=forged").StatusCode
	}
	if got != http.StatusTooManyRequests {
		t.Fatalf("forged callbacks: last %d, want 429", got)
	}
	if n := h.countAudit(audit.ActionSignInRefused) + h.countAudit(audit.ActionTokenDenied); n > 100 {
		t.Fatalf("%d security events recorded for one address in a minute", n)
	}
	if h.countAudit(audit.ActionRecordsDropped) == 0 {
		t.Error("no auth.records_dropped event")
	}
	if r := h.as("mike").Get(h.base + "/"); r.StatusCode != http.StatusOK {
		t.Fatalf("a good sign-in from the throttled address: %d", r.StatusCode)
	}
}

// Gap 5: security events are in the hash chain.
func TestSecurityEventsAreAudited(t *testing.T) {
	h := newSecServe(t, "")
	rita := h.as("rita")
	if r := authtest.NewBrowser(t).Get(h.base + "/auth/callback?code=x&state=forged"); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("forged callback: %d", r.StatusCode)
	}
	if r := rita.PostForm(h.base+"/approvals", nil); r.StatusCode != http.StatusForbidden {
		t.Fatalf("POST without CSRF token: %d", r.StatusCode)
	}
	if r := h.api(rita, "", http.MethodGet, "/api/v1/nhis/"+h.nhis["svc-sam"], nil); r.StatusCode != http.StatusNotFound {
		t.Fatalf("someone else's NHI: %d", r.StatusCode)
	}
	h.api(nil, "syncd_0123456789abcdef_"+strings.Repeat("A", 43), http.MethodGet, "/api/v1/nhis", nil)
	evs := h.audit()
	for _, want := range []struct{ action, detail string }{
		{audit.ActionSignedIn, "sub-rita"},
		{audit.ActionSignInRefused, "forged"},
		{audit.ActionCSRFRefused, h.ids["rita"]},
		{audit.ActionAccessDenied, h.nhis["svc-sam"]},
		{audit.ActionTokenDenied, "unknown"},
	} {
		if !hasAction(evs, want.action, want.detail) {
			t.Errorf("no %s event mentioning %q", want.action, want.detail)
		}
	}
	code, out, errOut := cli(t, envMap(map[string]string{"SYNCD_TEST_OIDC_SECRET": "x"}), "audit", "verify", "--config", h.cfg)
	if code != exitOK {
		t.Fatalf("audit verify: %d %s %s", code, out, errOut)
	}
}

// Gap 3, server-side request forgery: a catalog change through the API
// naming a webhook destination outside security.webhookAllowList is
// refused at once with a 4xx naming the list; nothing is stored.
func TestCatalogWebhookAllowList(t *testing.T) {
	t.Setenv("SYNCD_TEST_HOOK_SECRET", "hook-secret-for-the-api-item")
	h := newSecServe(t, "security: {webhookAllowList: ['https://hooks.example.com/syncd/']}\n")
	getenv := envMap(map[string]string{"SYNCD_TEST_OIDC_SECRET": authtest.ClientSecret})
	code, tok, errOut := cli(t, getenv, "token", "create", "--config", h.cfg, "--name", "cat", "--scope", "catalog:write,admin,read", "--owner", "carol")
	if code != exitOK {
		t.Fatalf("token: %s", errOut)
	}
	tok = strings.TrimSpace(tok)
	itemWith := func(url, secretEnv string) map[string]any {
		return map[string]any{"name": "Reports", "kind": "app-role", "owner": "carol@example.com", "risk": "low",
			"approval":    map[string]any{"autoApprove": map[string]any{"when": "true"}, "stages": []any{map[string]any{"name": "m", "approvers": []any{map[string]any{"manager": true}}}}},
			"maxDuration": "30d", "fulfillment": map[string]any{"type": "webhook", "params": map[string]any{"url": url, "secretEnv": secretEnv}}}
	}
	item := func(url string) map[string]any { return itemWith(url, "SYNCD_TEST_HOOK_SECRET") }
	before := len(h.audit())
	for _, url := range []string{"http://169.254.169.254/latest/meta-data/", "https://hooks.example.com.evil.example/syncd/x", "https://hooks.example.com@evil.example/syncd/"} {
		r := h.api(nil, tok, http.MethodPut, "/api/v1/catalog/items/reports", item(url))
		if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, "webhookAllowList") || !strings.Contains(r.Body, "https://hooks.example.com/syncd/") {
			t.Fatalf("webhook %s: %d %s", url, r.StatusCode, r.Body)
		}
	}
	for _, e := range h.audit()[before:] {
		if strings.HasPrefix(e.Action, "catalog.") {
			t.Fatalf("a refused change left %s", e.Action)
		}
	}
	// A signing secret the daemon does not have is refused when the
	// change is made, as a catalog file's is at start-up, not found
	// missing at the first fulfillment.
	r := h.api(nil, tok, http.MethodPut, "/api/v1/catalog/items/reports", itemWith("https://hooks.example.com/syncd/reports", "SYNCD_TEST_NO_SUCH_SECRET"))
	if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, "secretEnv") || !strings.Contains(r.Body, "SYNCD_TEST_NO_SUCH_SECRET") {
		t.Fatalf("webhook naming an unset secret: %d %s", r.StatusCode, r.Body)
	}
	if r := h.api(nil, tok, http.MethodPut, "/api/v1/catalog/items/reports", item("https://hooks.example.com/syncd/reports")); r.StatusCode >= 400 {
		t.Fatalf("allowed webhook: %d %s", r.StatusCode, r.Body)
	}
}

// The audit trail can be read: syncd audit export and GET /api/v1/audit.
func TestAuditExportAndAPI(t *testing.T) {
	h := newSecServe(t, "")
	h.as("rita")
	h.as("mike")
	getenv := envMap(map[string]string{"SYNCD_TEST_OIDC_SECRET": "x"})
	code, out, errOut := cli(t, getenv, "audit", "export", "--config", h.cfg, "--action", audit.ActionSignedIn, "--from", "2000-01-01")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != exitOK || len(lines) != 2 || !strings.Contains(lines[0], `"action":"auth.signed_in"`) || !strings.Contains(lines[0], `"prev_hash":`) || !strings.Contains(lines[0], `"seq":`) {
		t.Fatalf("export jsonl: %d %s %s", code, out, errOut)
	}
	code, out, _ = cli(t, getenv, "audit", "export", "--config", h.cfg, "--format", "csv", "--to", "2000-01-01")
	if code != exitOK || strings.TrimSpace(out) != "seq,time,actor,action,target,details,hash,prev_hash" {
		t.Fatalf("export csv before 2000: %q", out)
	}
	alice := h.as("alice")
	r := h.api(alice, "", http.MethodGet, "/api/v1/audit?action=auth.signed_in&limit=1", nil)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `"next":"`) {
		t.Fatalf("audit page 1: %d %s", r.StatusCode, r.Body)
	}
	next := strings.Split(strings.Split(r.Body, `"next":"`)[1], `"`)[0]
	r2 := h.api(alice, "", http.MethodGet, "/api/v1/audit?action=auth.signed_in&limit=5&after="+next, nil)
	if r2.StatusCode != http.StatusOK || strings.Count(r2.Body, `"seq":`) != 2 {
		t.Fatalf("audit page 2: %d %s", r2.StatusCode, r2.Body)
	}
}
