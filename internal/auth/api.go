package auth

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/syncd-dev/syncd/internal/audit"
)

// ErrNoSession: the request carries no signed-in session.
var ErrNoSession = errors.New("auth: not signed in")

// ErrCSRF: a state-changing request without the session's CSRF token.
var ErrCSRF = errors.New("auth: CSRF token missing or wrong")

// SessionPrincipal returns the signed-in principal of r's session, for
// handlers outside the web UI (the JSON API) that accept a session as
// well as a bearer token. For methods other than GET, HEAD and OPTIONS it
// also requires the session's CSRF token in the X-CSRF-Token header (or
// the csrf_token form field), and fails with ErrCSRF otherwise. Wrap such
// handlers in http.CrossOriginProtection too.
func (a *Auth) SessionPrincipal(r *http.Request) (*Principal, error) {
	p, err := a.current(nil, r)
	if errors.Is(err, errNoSession) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("auth: session: %w", err)
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		if !csrfOK(r, p.CSRF) {
			a.events.Record(r, actorOf(p.PersonID), audit.ActionCSRFRefused, r.Method+" "+r.URL.Path, nil)
			return nil, ErrCSRF
		}
	}
	return p, nil
}
