package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/syncd-dev/syncd/internal/audit"
)

// loginTimeout bounds how long a sign-in may take at the IdP.
const loginTimeout = 10 * time.Minute

// safeReturn keeps only same-origin absolute paths, parsed rather than
// prefix-matched, so /auth/login cannot be used as an open redirect:
// control characters (raw or percent-encoded), backslashes, a scheme, a
// host, "//" and sign-in paths all give "/". The fragment is dropped.
func safeReturn(p string) string {
	if p == "" || strings.ContainsRune(p, '\\') || hasControl(p) {
		return "/"
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	if !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") || strings.ContainsRune(u.Path, '\\') ||
		hasControl(u.Path) || strings.HasPrefix(u.Path, "/auth/") {
		return "/"
	}
	q, err := url.QueryUnescape(u.RawQuery)
	if err != nil || hasControl(q) {
		return "/"
	}
	out := u.EscapedPath()
	if strings.HasPrefix(out, "//") {
		return "/"
	}
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	return out
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return true
		}
	}
	return false
}

// login starts the authorization code flow. The state, nonce and PKCE
// verifier (RFC 7636) travel in a sealed short-lived cookie, so the
// callback only succeeds in the browser that started it and an anonymous
// request writes nothing to the database. A browser already signed in is
// sent on to its target: a GET never destroys a session.
func (a *Auth) login(w http.ResponseWriter, r *http.Request) {
	ret := safeReturn(r.URL.Query().Get("return"))
	if sess, err := a.sessions.load(r); err == nil && sess.data.PersonID != "" {
		if now, err := a.standingOf(r.Context(), sess.data.PersonID, sess.data.Groups); err == nil && now.active {
			http.Redirect(w, r, ret, http.StatusSeeOther)
			return
		}
	}
	p := &pendingLogin{
		State: rand.Text(), Nonce: rand.Text(), Verifier: oauth2.GenerateVerifier(),
		ReturnTo: ret, Started: a.now().UTC(),
	}
	if err := a.setLogin(w, p); err != nil {
		a.logger.Error("start sign-in", "err", err)
		a.fail(w, r, http.StatusServiceUnavailable, "Sign-in is unavailable", "syncd could not start the sign-in. Try again in a moment.")
		return
	}
	url := a.oauth.AuthCodeURL(p.State, oidc.Nonce(p.Nonce), oauth2.S256ChallengeOption(p.Verifier))
	http.Redirect(w, r, url, http.StatusFound)
}

// refuse ends a failed sign-in: the failure is recorded as a security
// event and counted against the client address; past the limit the answer
// is 429 with Retry-After instead.
func (a *Auth) refuse(w http.ResponseWriter, r *http.Request, reason string, details map[string]string, status int, title, detail string) {
	if details == nil {
		details = map[string]string{}
	}
	details["reason"] = reason
	a.events.Record(r, "", audit.ActionSignInRefused, "sign-in", details)
	if blocked, retry := a.limiter.Fail(r); blocked {
		TooMany(w, retry)
		a.fail(w, r, http.StatusTooManyRequests, "Too many failed sign-ins", "Too many sign-in attempts from your address failed. Wait a minute and try again.")
		return
	}
	a.fail(w, r, status, title, detail)
}

// handleCallback completes the flow (OIDC Core §3.1.2.5–3.1.3.7).
func (a *Auth) handleCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	restart := "Start again from the sign-in page."
	p, err := a.takeLogin(w, r)
	if err != nil {
		if !errors.Is(err, errNoLogin) {
			a.logger.Error("sign-in callback: open state", "err", err)
		}
		a.refuse(w, r, "no sign-in in progress in this browser (forged or replayed callback)", nil,
			http.StatusBadRequest, "Sign-in link not valid", "This sign-in response does not belong to a sign-in started in this browser, or it was already used. "+restart)
		return
	}
	q := r.URL.Query()
	switch {
	case subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(p.State)) != 1:
		a.refuse(w, r, "state mismatch", nil, http.StatusBadRequest, "Sign-in link not valid", "The sign-in response does not match the sign-in this browser started. "+restart)
		return
	case a.now().Sub(p.Started) > loginTimeout:
		a.refuse(w, r, "sign-in took too long", nil, http.StatusBadRequest, "Sign-in took too long", "The sign-in expired. "+restart)
		return
	case q.Get("error") != "":
		a.refuse(w, r, "provider error: "+q.Get("error"), nil, http.StatusUnauthorized, "Sign-in refused", "The identity provider refused the sign-in. "+restart)
		return
	}
	tok, err := a.oauth.Exchange(a.ctx(ctx), q.Get("code"), oauth2.VerifierOption(p.Verifier))
	if err != nil {
		a.logger.Warn("sign-in callback: code exchange failed", "err", err)
		a.refuse(w, r, "code exchange failed", nil, http.StatusBadGateway, "Sign-in failed", "The identity provider did not accept the sign-in code. "+restart)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := a.verifier.Verify(a.ctx(ctx), raw)
	if err != nil {
		a.logger.Warn("sign-in callback: ID token rejected", "err", err)
		a.refuse(w, r, "ID token rejected", nil, http.StatusUnauthorized, "Sign-in failed", "The identity provider's ID token could not be verified. "+restart)
		return
	}
	ids := map[string]string{"issuer": idt.Issuer, "subject": idt.Subject}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(p.Nonce)) != 1 {
		a.logger.Warn("sign-in callback: nonce mismatch", "issuer", idt.Issuer, "subject", idt.Subject)
		a.refuse(w, r, "nonce mismatch", ids, http.StatusUnauthorized, "Sign-in failed", "The ID token was not issued for this sign-in (nonce mismatch). "+restart)
		return
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		a.refuse(w, r, "claims unreadable", ids, http.StatusUnauthorized, "Sign-in failed", "The ID token's claims could not be read. "+restart)
		return
	}
	person, err := a.link(ctx, idt.Issuer, idt.Subject, claims)
	if err != nil {
		a.linkFailed(w, r, ids, err)
		return
	}
	// A session this browser held before is replaced: a new session id at
	// sign-in makes a planted id (session fixation) worthless.
	if old, err := a.sessions.load(r); err == nil {
		if err := a.sessions.destroy(ctx, w, old); err != nil {
			a.logger.Error("sign-in callback: drop previous session", "err", err)
		}
	}
	data := sessionData{
		PersonID: person.ID, Name: displayName(person.DisplayName, person.UserName, person.Email),
		Issuer: idt.Issuer, Subject: idt.Subject, IDToken: raw,
		Groups: stringList(claims[a.cfg.GroupsClaim]),
	}
	if sid, ok := claims["sid"].(string); ok {
		data.SID = sid
	}
	standing, err := a.standingOf(ctx, person.ID, data.Groups)
	if err != nil {
		a.logger.Error("sign-in callback: roles", "err", err)
		a.fail(w, r, http.StatusServiceUnavailable, "Sign-in is unavailable", "syncd could not read your roles. "+restart)
		return
	}
	if _, err := a.sessions.create(ctx, w, data, a.sessions.Absolute); err != nil {
		a.logger.Error("sign-in callback: create session", "err", err)
		a.fail(w, r, http.StatusServiceUnavailable, "Sign-in is unavailable", "syncd could not create your session. "+restart)
		return
	}
	if n, err := a.sessions.Sweep(ctx); err != nil {
		a.logger.Warn("sweep sessions", "err", err)
	} else if n > 0 {
		a.logger.Debug("swept expired sessions", "count", n)
	}
	roles := make([]string, len(standing.roles))
	for i, role := range standing.roles {
		roles[i] = string(role)
	}
	a.events.Record(r, "person:"+person.ID, audit.ActionSignedIn, "person:"+person.ID, map[string]string{
		"issuer": idt.Issuer, "subject": idt.Subject, "authTime": authTime(claims, idt.IssuedAt), "roles": strings.Join(roles, ","),
	})
	a.logger.Info("signed in", "person_id", person.ID, "issuer", idt.Issuer, "roles", standing.roles)
	http.Redirect(w, r, p.ReturnTo, http.StatusSeeOther)
}

// authTime is the auth_time claim (OIDC Core §2), else the token's iat.
func authTime(claims map[string]any, iat time.Time) string {
	if v, ok := claims["auth_time"].(float64); ok && v > 0 {
		return time.Unix(int64(v), 0).UTC().Format(time.RFC3339)
	}
	return iat.UTC().Format(time.RFC3339)
}

// logout destroys the session server-side (the cookie is worthless
// after) and, when the provider has an end_session_endpoint, sends the
// browser there to end the provider session too (RP-Initiated Logout 1.0
// §2), coming back to /signed-out.
func (a *Auth) logout(w http.ResponseWriter, r *http.Request) {
	sess, err := a.sessions.load(r)
	target := "/signed-out"
	if err == nil {
		if err := a.sessions.destroy(r.Context(), w, sess); err != nil {
			a.logger.Error("sign out", "err", err)
			a.fail(w, r, http.StatusServiceUnavailable, "Sign-out failed", "syncd could not end your session; try again.")
			return
		}
		provider := "no"
		if a.endSession != "" && sess.data.IDToken != "" {
			if u, err := url.Parse(a.endSession); err == nil {
				back, _ := url.Parse(a.cfg.RedirectURL)
				q := u.Query()
				q.Set("id_token_hint", sess.data.IDToken)
				q.Set("client_id", a.cfg.ClientID)
				q.Set("post_logout_redirect_uri", back.Scheme+"://"+back.Host+"/signed-out")
				u.RawQuery = q.Encode()
				target, provider = u.String(), "yes"
			}
		}
		if sess.data.PersonID != "" {
			a.events.Record(r, "person:"+sess.data.PersonID, audit.ActionSignedOut, "person:"+sess.data.PersonID,
				map[string]string{"providerSessionEnded": provider})
		}
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func displayName(names ...string) string {
	for _, n := range names {
		if n != "" {
			return n
		}
	}
	return ""
}

// stringList reads a claim that is a list of strings (or one string).
func stringList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
