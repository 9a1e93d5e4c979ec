package auth

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// CSRFField is the form field carrying the session's CSRF token.
const CSRFField = "csrf_token"

// Authenticate loads the session, if any, and puts its principal in the
// request context. It never rejects: Require does.
func (a *Auth) Authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := a.current(w, r)
		if err != nil && !errors.Is(err, errNoSession) {
			a.logger.Error("load session", "err", err)
			a.fail(w, r, http.StatusServiceUnavailable, "Service unavailable", "syncd could not read your session. Try again in a moment.")
			return
		}
		if p != nil {
			r = r.WithContext(WithPrincipal(r.Context(), p))
		}
		next.ServeHTTP(w, r)
	})
}

// current returns the principal of r's live session, or errNoSession.
// The person's status and roles are read on every request (standingOf):
// a session of a person who is no longer active is deleted and recorded
// as revoked; roles follow group and job-function changes at once.
func (a *Auth) current(w http.ResponseWriter, r *http.Request) (*Principal, error) {
	sess, err := a.sessions.load(r)
	if err != nil {
		return nil, err
	}
	d := sess.data
	if d.PersonID == "" {
		return nil, errNoSession
	}
	now, err := a.standingOf(r.Context(), d.PersonID, d.Groups)
	if errors.Is(err, store.ErrNotFound) {
		err = nil
	}
	if err != nil {
		return nil, err
	}
	if !now.active {
		if w != nil {
			err = a.sessions.destroy(r.Context(), w, sess)
		} else {
			err = a.store.DeleteWebSession(r.Context(), sess.idHash)
		}
		if err != nil {
			return nil, err
		}
		a.events.Record(r, "system", audit.ActionSessionRevoked, "person:"+d.PersonID, map[string]string{"reason": "person no longer active"})
		return nil, errNoSession
	}
	return &Principal{PersonID: d.PersonID, Name: d.Name, Issuer: d.Issuer, Subject: d.Subject, Roles: now.roles, CSRF: d.CSRF}, nil
}

func actorOf(personID string) string {
	if personID == "" {
		return ""
	}
	return "person:" + personID
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
			a.events.Record(r, actorOf(sess.data.PersonID), audit.ActionCSRFRefused, r.Method+" "+r.URL.Path, nil)
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
