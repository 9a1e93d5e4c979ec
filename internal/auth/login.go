package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// loginTimeout bounds how long a sign-in may take at the IdP.
const loginTimeout = 10 * time.Minute

// safeReturn keeps only local paths, so /auth/login cannot be used as an
// open redirect.
func safeReturn(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.HasPrefix(p, "/auth/") {
		return "/"
	}
	return p
}

// login starts the authorization code flow: a fresh pre-login session
// holds the state, nonce and PKCE verifier (RFC 7636), so the callback only
// succeeds in the browser that started it.
func (a *Auth) login(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if old, err := a.sessions.load(r); err == nil {
		_ = a.sessions.destroy(ctx, w, old) // a new sign-in always gets a new session id
	}
	p := &pendingLogin{
		State: rand.Text(), Nonce: rand.Text(), Verifier: oauth2.GenerateVerifier(),
		ReturnTo: safeReturn(r.URL.Query().Get("return")), Started: a.now().UTC(),
	}
	// A pre-login session lives only as long as a sign-in may take, so
	// abandoned sign-ins do not pile up.
	if _, err := a.sessions.create(ctx, w, sessionData{Login: p}, loginTimeout); err != nil {
		a.logger.Error("start sign-in", "err", err)
		a.fail(w, r, http.StatusServiceUnavailable, "Sign-in is unavailable", "syncd could not start a session. Try again in a moment.")
		return
	}
	url := a.oauth.AuthCodeURL(p.State, oidc.Nonce(p.Nonce), oauth2.S256ChallengeOption(p.Verifier))
	http.Redirect(w, r, url, http.StatusFound)
}

// handleCallback completes the flow (OIDC Core §3.1.2.5–3.1.3.7).
func (a *Auth) handleCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	restart := "Start again from the sign-in page."
	sess, err := a.sessions.load(r)
	if err != nil || sess.data.Login == nil {
		if err != nil && !errors.Is(err, errNoSession) {
			a.logger.Error("sign-in callback: load session", "err", err)
		}
		a.fail(w, r, http.StatusBadRequest, "Sign-in link not valid", "This sign-in response does not belong to a sign-in started in this browser, or it was already used. "+restart)
		return
	}
	// The state is single use: consume it before anything else can fail.
	p := sess.data.Login
	sess.data.Login = nil
	if err := a.sessions.save(ctx, sess); err != nil {
		a.logger.Error("sign-in callback: consume state", "err", err)
		a.fail(w, r, http.StatusServiceUnavailable, "Sign-in is unavailable", "syncd could not update your session. "+restart)
		return
	}
	q := r.URL.Query()
	switch {
	case subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(p.State)) != 1:
		a.fail(w, r, http.StatusBadRequest, "Sign-in link not valid", "The sign-in response does not match the sign-in this browser started. "+restart)
		return
	case a.now().Sub(p.Started) > loginTimeout:
		a.fail(w, r, http.StatusBadRequest, "Sign-in took too long", "The sign-in expired. "+restart)
		return
	case q.Get("error") != "":
		a.fail(w, r, http.StatusUnauthorized, "Sign-in refused", "The identity provider said: "+q.Get("error")+" "+q.Get("error_description"))
		return
	}
	tok, err := a.oauth.Exchange(a.ctx(ctx), q.Get("code"), oauth2.VerifierOption(p.Verifier))
	if err != nil {
		a.logger.Warn("sign-in callback: code exchange failed", "err", err)
		a.fail(w, r, http.StatusBadGateway, "Sign-in failed", "The identity provider did not accept the sign-in code. "+restart)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := a.verifier.Verify(a.ctx(ctx), raw)
	if err != nil {
		a.logger.Warn("sign-in callback: ID token rejected", "err", err)
		a.fail(w, r, http.StatusUnauthorized, "Sign-in failed", "The identity provider's ID token could not be verified. "+restart)
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(p.Nonce)) != 1 {
		a.logger.Warn("sign-in callback: nonce mismatch", "issuer", idt.Issuer, "subject", idt.Subject)
		a.fail(w, r, http.StatusUnauthorized, "Sign-in failed", "The ID token was not issued for this sign-in (nonce mismatch). "+restart)
		return
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		a.fail(w, r, http.StatusUnauthorized, "Sign-in failed", "The ID token's claims could not be read. "+restart)
		return
	}
	person, err := a.link(ctx, idt.Issuer, idt.Subject, claims)
	if err != nil {
		a.linkFailed(w, r, err)
		return
	}
	if err := a.sessions.destroy(ctx, w, sess); err != nil {
		a.logger.Error("sign-in callback: drop pre-login session", "err", err)
	}
	// A new session id at sign-in: a pre-login id an attacker planted
	// (session fixation) is worth nothing afterwards.
	data := sessionData{
		PersonID: person.ID, Name: displayName(person.DisplayName, person.UserName, person.Email),
		Issuer: idt.Issuer, Subject: idt.Subject,
		Roles: a.cfg.RoleGroups.rolesFor(stringList(claims[a.cfg.GroupsClaim])),
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
	a.logger.Info("signed in", "person_id", person.ID, "issuer", idt.Issuer, "roles", data.Roles)
	http.Redirect(w, r, p.ReturnTo, http.StatusSeeOther)
}

// logout destroys the session server-side: the cookie is worthless after.
func (a *Auth) logout(w http.ResponseWriter, r *http.Request) {
	sess, err := a.sessions.load(r)
	if err == nil {
		if err := a.sessions.destroy(r.Context(), w, sess); err != nil {
			a.logger.Error("sign out", "err", err)
			a.fail(w, r, http.StatusServiceUnavailable, "Sign-out failed", "syncd could not end your session; try again.")
			return
		}
	}
	http.Redirect(w, r, "/signed-out", http.StatusSeeOther)
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
