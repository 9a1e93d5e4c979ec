package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/auth/authtest"
)

// Gap 4: return targets are parsed; anything but a same-origin absolute
// path becomes "/".
func TestSignInReturnTargetIsParsed(t *testing.T) {
	h := newSecServe(t, "")
	for _, tc := range []struct{ ret, want string }{
		{"/\t/evil.example/", "/"},
		{"/%2509/evil.example/", "/%2509/evil.example/"}, // a literal path, harmless
		{"//evil.example/", "/"},
		{"/\\evil.example/", "/"},
		{"https://evil.example/", "/"},
		{"/\r\nLocation: http://evil.example/", "/"},
		{"evil.example", "/"},
		{"/people?q=a#x", "/people?q=a"},
		{"/approvals", "/approvals"},
	} {
		t.Run(tc.ret, func(t *testing.T) {
			b := authtest.NewBrowser(t)
			cb := b.SignInToCallback(h.base, tc.ret, "rita", "pw-rita", nil)
			resp := b.Get(cb)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("callback: %d", resp.StatusCode)
			}
			loc := resp.Header.Get("Location")
			if loc != tc.want {
				t.Fatalf("return %q lands on %q, want %q", tc.ret, loc, tc.want)
			}
			if got := resp.Location(); !strings.HasPrefix(got, h.base+"/") {
				t.Fatalf("resolved %q leaves the origin", got)
			}
		})
	}
}

// Gap 8: the session cookie lives as long as the browser, GET /auth/login
// keeps an existing session, and sign-out ends the provider session too.
func TestSessionCookieLoginAndLogout(t *testing.T) {
	h := newSecServe(t, "")
	b := authtest.NewBrowser(t)
	cb := b.SignInToCallback(h.base, "/", "mike", "pw-mike", nil)
	resp := b.Get(cb)
	var set []string
	for _, c := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "syncd_session=") && !strings.HasPrefix(c, "syncd_session=;") {
			set = append(set, c)
		}
	}
	if len(set) != 1 || strings.Contains(strings.ToLower(set[0]), "max-age") || strings.Contains(strings.ToLower(set[0]), "expires") {
		t.Fatalf("session cookie: %q", set)
	}
	if r := b.Get(h.base + "/auth/login?return=/people"); r.StatusCode >= 400 {
		t.Fatalf("GET /auth/login while signed in: %d", r.StatusCode)
	}
	if r := b.Get(h.base + "/"); r.StatusCode != http.StatusOK {
		t.Fatalf("home after GET /auth/login: %d (the session was destroyed)", r.StatusCode)
	}
	out := b.PostForm(h.base+"/auth/logout", url.Values{"csrf_token": {h.csrf(b)}})
	if out.StatusCode != http.StatusSeeOther || !strings.HasPrefix(out.Location(), h.idp.Issuer) {
		t.Fatalf("logout: %d to %q, want the provider's end_session_endpoint", out.StatusCode, out.Location())
	}
	end := b.Follow(out.Location())
	if end.StatusCode != http.StatusOK || !strings.HasPrefix(end.Request.URL.String(), h.base+"/signed-out") {
		t.Fatalf("after the provider: %d %s", end.StatusCode, end.Request.URL)
	}
	if ended := h.idp.EndedSessions(); len(ended) != 1 || ended[0] != "sub-mike" {
		t.Fatalf("provider sessions ended: %v", ended)
	}
	if r := b.Get(h.base + "/"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("home after sign-out: %d", r.StatusCode)
	}
	if !hasAction(h.audit(), audit.ActionSignedOut, h.ids["mike"]) {
		t.Error("no auth.signed_out event")
	}
}

// OIDC Back-Channel Logout: the provider ends the person's sessions here.
func TestBackChannelLogout(t *testing.T) {
	h := newSecServe(t, "")
	mike := h.as("mike")
	rita := h.as("rita")
	forged := authtest.NewBrowser(t)
	if r := forged.PostForm(h.base+"/auth/backchannel-logout", url.Values{"logout_token": {"eyJhbGciOiJub25lIn0.e30."}}); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("forged logout token: %d", r.StatusCode)
	}
	tok, err := h.idp.LogoutToken("sub-mike")
	if err != nil {
		t.Fatal(err)
	}
	if r := forged.PostForm(h.base+"/auth/backchannel-logout", url.Values{"logout_token": {tok}}); r.StatusCode != http.StatusOK {
		t.Fatalf("logout token: %d %s", r.StatusCode, r.Body)
	}
	if r := mike.Get(h.base + "/"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("mike after back-channel logout: %d", r.StatusCode)
	}
	if r := rita.Get(h.base + "/"); r.StatusCode != http.StatusOK {
		t.Fatalf("rita after mike's logout: %d", r.StatusCode)
	}
	if !hasAction(h.audit(), audit.ActionSessionRevoked, "back-channel") {
		t.Error("no auth.session_revoked event for the back-channel logout")
	}
}

// A logout token may name the provider session (sid) instead of, or as
// well as, the subject (OIDC Back-Channel Logout 1.0 §2.4): only the web
// sessions signed in under that provider session end.
func TestBackChannelLogoutBySessionID(t *testing.T) {
	h := newSecServe(t, "")
	first, second, third := h.as("mike"), h.as("mike"), h.as("mike")
	sids := h.idp.SessionIDs("sub-mike")
	if len(sids) != 3 || sids[0] == sids[1] {
		t.Fatalf("provider session ids %q, want three distinct", sids)
	}
	post := func(sub, sid string) {
		t.Helper()
		tok, err := h.idp.SessionLogoutToken(sub, sid)
		if err != nil {
			t.Fatal(err)
		}
		if r := authtest.NewBrowser(t).PostForm(h.base+"/auth/backchannel-logout", url.Values{"logout_token": {tok}}); r.StatusCode != http.StatusOK {
			t.Fatalf("logout token (sub %q, sid %q): %d %s", sub, sid, r.StatusCode, r.Body)
		}
	}
	signedIn := func(b *authtest.Browser) bool { return b.Get(h.base+"/").StatusCode == http.StatusOK }
	post("", sids[0]) // sid only
	if signedIn(first) || !signedIn(second) || !signedIn(third) {
		t.Fatalf("after a sid-only logout of the first sign-in: %v %v %v", signedIn(first), signedIn(second), signedIn(third))
	}
	post("sub-rita", sids[1]) // someone else's subject with mike's sid: nothing ends
	if !signedIn(second) {
		t.Fatal("a logout token for rita ended mike's session")
	}
	post("sub-mike", sids[1])
	if signedIn(second) || !signedIn(third) {
		t.Fatalf("after a sub+sid logout of the second sign-in: %v %v", signedIn(second), signedIn(third))
	}
	tok, err := h.idp.SessionLogoutToken("", "")
	if err != nil {
		t.Fatal(err)
	}
	if r := authtest.NewBrowser(t).PostForm(h.base+"/auth/backchannel-logout", url.Values{"logout_token": {tok}}); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("logout token with neither sub nor sid: %d", r.StatusCode)
	}
}

// Gap 7: linking by email needs email_verified.
func TestLinkByEmailNeedsVerifiedEmail(t *testing.T) {
	h := newSecServe(t, "")
	b := authtest.NewBrowser(t)
	resp := b.SignIn(h.base, "/", "eve", "pw-eve")
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("unverified email: %d", resp.StatusCode)
	}
	if !hasAction(h.audit(), audit.ActionSignInRefused, "email_verified") {
		t.Error("no auth.sign_in_refused event naming email_verified")
	}
	if _, err := h.st.GetOIDCIdentity(t.Context(), h.idp.Issuer, "sub-eve"); err == nil {
		t.Error("the unverified identity was linked")
	}

	trusting := newSecServe(t, "security: {trustUnverifiedEmail: true}\n")
	if resp := authtest.NewBrowser(t).SignIn(trusting.base, "/", "eve", "pw-eve"); resp.StatusCode != http.StatusOK {
		t.Fatalf("trustUnverifiedEmail: %d", resp.StatusCode)
	}
	code, _, errOut := cli(t, envMap(map[string]string{"SYNCD_TEST_OIDC_SECRET": "x"}), "config", "validate", "--config", trusting.cfg)
	if code != exitOK || !strings.Contains(errOut, "warning: security.trustUnverifiedEmail") {
		t.Fatalf("config validate: %d %q", code, errOut)
	}
}

// Gap 9: unknown and forbidden objects answer the same, without internal
// wording; error pages show the request id.
func TestErrorsAreUniform(t *testing.T) {
	h := newSecServe(t, "")
	rita := h.as("rita")
	resp := h.api(rita, "", http.MethodPost, "/api/v1/requests", map[string]any{"item": "reports", "justification": "x"})
	reqID := strings.Split(strings.Split(resp.Body, `"id":"`)[1], `"`)[0]
	sam := h.as("sam")
	body := func(s string) string { return strings.Split(s, `,"request_id"`)[0] }
	known := h.api(sam, "", http.MethodPost, "/api/v1/requests/"+reqID+"/decision", map[string]any{"approve": true})
	unknown := h.api(sam, "", http.MethodPost, "/api/v1/requests/no-such-request/decision", map[string]any{"approve": true})
	if known.StatusCode != unknown.StatusCode || body(known.Body) != body(unknown.Body) || !strings.Contains(unknown.Body, `"request_id":"`) {
		t.Fatalf("API: existing %d %s, unknown %d %s", known.StatusCode, known.Body, unknown.StatusCode, unknown.Body)
	}
	csrf := h.csrf(sam)
	for _, id := range []string{reqID, "no-such-request"} {
		page := sam.PostForm(h.base+"/approvals", url.Values{"csrf_token": {csrf}, "request": {id}, "decision": {"approve"}})
		for _, leak := range []string{"gormstore", "access:", "not an approver", "update request"} {
			if strings.Contains(page.Body, leak) {
				t.Errorf("approvals page for %s shows %q", id, leak)
			}
		}
		if !strings.Contains(page.Body, id+": not found") {
			t.Errorf("approvals page for %s: no uniform 'not found'", id)
		}
	}
	if page := sam.Get(h.base + "/nhis/" + h.nhis["svc-rita"]); page.StatusCode != http.StatusNotFound || !strings.Contains(page.Body, "request id") {
		t.Errorf("error page: %d without a request id", page.StatusCode)
	}
}
