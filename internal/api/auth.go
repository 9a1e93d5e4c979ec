package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/token"
)

// RoleAdmin may change any object.
const RoleAdmin = "admin"

// Principal is who is calling: a person (signed in through the web) or a
// machine client holding an API token.
type Principal struct {
	PersonID  string
	TokenName string
	Roles     []string
	// Issuer and Subject are the OIDC identity the session signed in
	// with ("" for tokens): review decisions record them.
	Issuer  string
	Subject string
}

// Admin reports whether p may change any object. A token principal is an
// admin-level machine client.
func (p Principal) Admin() bool {
	return p.TokenName != "" || slices.Contains(p.Roles, RoleAdmin)
}

// Actor is the audit actor for p.
func (p Principal) Actor() string {
	if p.TokenName != "" {
		return "token:" + p.TokenName
	}
	return "person:" + p.PersonID
}

// ErrNoCredentials means the request carries nothing this authenticator
// understands; another one may still accept it.
var ErrNoCredentials = errors.New("api: no credentials")

// ErrRejected wraps an authenticator's refusal of credentials it did
// understand but will not accept for this request (a session's state change
// without its CSRF token): the caller gets 403.
var ErrRejected = errors.New("api: credentials refused for this request")

// Authenticator identifies the caller of a request. It returns
// ErrNoCredentials when the request has none of its kind, and another
// error when it has some that are invalid. State-changing cookie-based
// authenticators must check CSRF themselves.
type Authenticator interface {
	Authenticate(r *http.Request) (Principal, error)
}

// AuthenticatorFunc adapts a function to Authenticator.
type AuthenticatorFunc func(r *http.Request) (Principal, error)

// Authenticate calls f.
func (f AuthenticatorFunc) Authenticate(r *http.Request) (Principal, error) { return f(r) }

// Chain tries each authenticator in turn until one finds credentials.
type Chain []Authenticator

// Authenticate implements Authenticator.
func (c Chain) Authenticate(r *http.Request) (Principal, error) {
	for _, a := range c {
		p, err := a.Authenticate(r)
		if errors.Is(err, ErrNoCredentials) {
			continue
		}
		return p, err
	}
	return Principal{}, ErrNoCredentials
}

// TokenAuthenticator accepts "Authorization: Bearer <secret>" with an API
// scope token (syncd token create --scope api).
type TokenAuthenticator struct {
	Store store.Store
}

// Authenticate implements Authenticator; the secret is compared in
// constant time by package token.
func (a TokenAuthenticator) Authenticate(r *http.Request) (Principal, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return Principal{}, ErrNoCredentials
	}
	scheme, secret, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return Principal{}, ErrNoCredentials
	}
	t, err := token.Authenticate(r.Context(), a.Store, strings.TrimSpace(secret), store.ScopeAPI)
	if err != nil {
		return Principal{}, err
	}
	return Principal{TokenName: t.Name}, nil
}

type principalKey struct{}

func principalFrom(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}

// authenticated wraps h so it runs only for an authenticated caller.
func (s *Server) authenticated(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := s.Auth.Authenticate(r)
		if err != nil {
			if errors.Is(err, ErrRejected) {
				writeError(w, http.StatusForbidden, "refused: a state-changing call with a session needs the X-CSRF-Token header", nil)
				return
			}
			if !errors.Is(err, ErrNoCredentials) && !errors.Is(err, token.ErrInvalid) {
				s.logger().Error("api: authenticate", "err", err)
				writeError(w, http.StatusServiceUnavailable, "authentication unavailable", nil)
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="syncd"`)
			writeError(w, http.StatusUnauthorized, "authentication required: send an API token as Authorization: Bearer <token>", nil)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	}
}

// RoleAuditor may read everything and change nothing.
const RoleAuditor = "auditor"

// seesAll reports whether p may read every person's requests and grants:
// admins, auditors and API tokens.
func (p Principal) seesAll() bool {
	return p.Admin() || slices.Contains(p.Roles, RoleAuditor)
}
