package auth

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
)

// CSRFField is the form field carrying the session's CSRF token.
const CSRFField = "csrf_token"

// Authenticate loads the session, if any, and puts its principal in the
// request context. It never rejects: Require does.
func (a *Auth) Authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, err := a.sessions.load(r)
		if err != nil && !errors.Is(err, errNoSession) {
			a.logger.Error("load session", "err", err)
			a.fail(w, r, http.StatusServiceUnavailable, "Service unavailable", "syncd could not read your session. Try again in a moment.")
			return
		}
		if err == nil && sess.data.PersonID != "" {
			d := sess.data
			p := &Principal{PersonID: d.PersonID, Name: d.Name, Issuer: d.Issuer, Subject: d.Subject, Roles: d.Roles, CSRF: d.CSRF}
			r = r.WithContext(WithPrincipal(r.Context(), p))
		}
		next.ServeHTTP(w, r)
	})
}

// Require lets only signed-in requests through; a page request without a
// session is sent to sign in and brought back afterwards.
func Require(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if PrincipalFrom(r.Context()) != nil {
			next.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			http.Redirect(w, r, "/auth/login?return="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		http.Error(w, "sign in first", http.StatusUnauthorized)
	})
}

// RequireCSRF rejects a state-changing request unless its form field (or
// X-CSRF-Token header) equals the session's token. It runs behind
// Authenticate; with no session there is nothing to protect and no token
// to match, so it rejects too.
func (a *Auth) RequireCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		sess, err := a.sessions.load(r)
		if err != nil {
			a.fail(w, r, http.StatusForbidden, "Request refused", "Your session has ended; sign in again and retry.")
			return
		}
		if !csrfOK(r, sess.data.CSRF) {
			a.fail(w, r, http.StatusForbidden, "Request refused", "The form's security token did not match your session (CSRF check). Reload the page and try again.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// csrfOK reports whether r carries want in the X-CSRF-Token header or the
// form field, compared in constant time.
func csrfOK(r *http.Request, want string) bool {
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue(CSRFField)
	}
	return got != "" && want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
