package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/requestlog"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/token"
)

// RoleAdmin may change any object.
const RoleAdmin = "admin"

// Principal is who is calling: a person (signed in through the web) or a
// client holding an API token, which acts for its owner (PersonID, "" for
// a system token) within its scopes.
type Principal struct {
	PersonID  string
	TokenName string
	Roles     []string
	// Issuer and Subject are the OIDC identity the session signed in
	// with ("" for tokens): review decisions record them.
	Issuer  string
	Subject string
	// Scopes bound a token principal; nil for a session.
	Scopes []store.Scope
}

// Admin reports whether p may change any object: the admin role (a token
// gets it from the admin scope).
func (p Principal) Admin() bool {
	return slices.Contains(p.Roles, RoleAdmin)
}

// mayUse reports whether p's scopes allow a call needing scope: sessions
// are bounded by their roles only; the audit scope also reads.
func (p Principal) mayUse(scope store.Scope) bool {
	if p.TokenName == "" {
		return true
	}
	t := store.Token{Scopes: p.Scopes}
	return t.Has(scope) || (scope == store.ScopeRead && t.Has(store.ScopeAudit))
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

// TokenAuthenticator accepts "Authorization: Bearer <secret>" with a live
// API token (any scope but scim) whose owner, if any, is active.
type TokenAuthenticator struct {
	Store TokenStore
	Now   func() time.Time // time.Now when nil
	// Roles, when set, narrows the roles an owned token's scopes give to
	// those its owner may hold now (package auth's TokenRoles), so a token
	// follows its owner's group and job-function changes as a session
	// does. Nil: the scopes decide alone.
	Roles func(ctx context.Context, ownerID string, scoped []string) ([]string, error)
}

// TokenStore is what TokenAuthenticator reads, and its one write: a
// token's last use.
type TokenStore interface {
	store.TokenReader
	store.PersonReader
	TouchToken(ctx context.Context, id string, at time.Time) error
}

// ErrOwnerInactive: the token's owner is no longer active. It wraps
// token.ErrInvalid.
var ErrOwnerInactive = fmt.Errorf("%w: owner not active", token.ErrInvalid)

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
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	ctx := r.Context()
	t, err := token.AuthenticateAt(ctx, a.Store, strings.TrimSpace(secret), store.ScopeAPI, now())
	if err != nil {
		return Principal{TokenName: t.Name}, err
	}
	if t.OwnerID != "" {
		owner, err := a.Store.GetPerson(ctx, t.OwnerID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return Principal{}, fmt.Errorf("api: token owner: %w", err)
		}
		if err != nil || owner.Status != store.StatusActive {
			return Principal{TokenName: t.Name}, ErrOwnerInactive
		}
	}
	// Last use, at most once a minute: finer grain is not worth a write
	// per call.
	if t.LastUsedAt == nil || now().Sub(*t.LastUsedAt) >= time.Minute {
		if err := a.Store.TouchToken(ctx, t.ID, now()); err != nil {
			return Principal{}, fmt.Errorf("api: record token use: %w", err)
		}
	}
	p := Principal{PersonID: t.OwnerID, TokenName: t.Name, Scopes: t.Scopes}
	if t.Has(store.ScopeAdmin) {
		p.Roles = append(p.Roles, RoleAdmin)
	}
	if t.Has(store.ScopeAudit) {
		p.Roles = append(p.Roles, RoleAuditor)
	}
	if t.Has(store.ScopeCatalogWrite) && t.OwnerID != "" {
		p.Roles = append(p.Roles, RoleCatalogOwner)
	}
	if a.Roles != nil && t.OwnerID != "" && len(p.Roles) > 0 {
		roles, err := a.Roles(ctx, t.OwnerID, p.Roles)
		if err != nil {
			return Principal{}, fmt.Errorf("api: token owner's roles: %w", err)
		}
		p.Roles = roles
	}
	return p, nil
}

type principalKey struct{}

func principalFrom(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}

// Events records security events (package auth's Recorder).
type Events interface {
	Record(r *http.Request, actor, action, target string, details map[string]string)
}

// Limiter counts failed authentications per client (package auth's
// Limiter): blocked means answer 429 after retry.
type Limiter interface {
	Fail(r *http.Request) (blocked bool, retry time.Duration)
}

// authenticated wraps h so it runs only for an authenticated caller whose
// token, if it is one, holds scope.
func (s *Server) authenticated(scope store.Scope, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := s.Auth.Authenticate(r)
		if err != nil {
			if errors.Is(err, ErrRejected) {
				writeError(w, http.StatusForbidden, "refused: a state-changing call with a session needs the X-CSRF-Token header", nil)
				return
			}
			if !errors.Is(err, ErrNoCredentials) && !errors.Is(err, token.ErrInvalid) {
				s.logger().Error("api: authenticate", "err", err, "request_id", requestlog.ID(r.Context()))
				writeError(w, http.StatusServiceUnavailable, "authentication unavailable", nil)
				return
			}
			if errors.Is(err, token.ErrInvalid) {
				target := "token"
				if p.TokenName != "" {
					target = "token:" + p.TokenName
				}
				s.record(r, "anonymous", audit.ActionTokenDenied, target, map[string]string{"reason": denial(err)})
				if s.Limiter != nil {
					if blocked, retry := s.Limiter.Fail(r); blocked {
						secs := int(retry.Round(time.Second) / time.Second)
						w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
						writeError(w, http.StatusTooManyRequests, "too many failed authentications from your address; retry later", nil)
						return
					}
				}
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="syncd"`)
			writeError(w, http.StatusUnauthorized, "authentication required: send an API token as Authorization: Bearer <token>", nil)
			return
		}
		if !p.mayUse(scope) {
			s.record(r, p.Actor(), audit.ActionTokenDenied, "token:"+p.TokenName,
				map[string]string{"reason": "scope " + string(scope) + " needed", "call": r.Method + " " + r.URL.Path})
			writeError(w, http.StatusForbidden, "this token's scopes do not allow this call (it needs "+string(scope)+")", nil)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	}
}

// denial names why a token was refused, for the audit trail.
func denial(err error) string {
	switch {
	case errors.Is(err, token.ErrExpired):
		return "expired"
	case errors.Is(err, token.ErrScope):
		return "not an API token"
	case errors.Is(err, ErrOwnerInactive):
		return "owner not active"
	}
	return "unknown, malformed or revoked"
}

// RoleAuditor may read everything and change nothing.
const RoleAuditor = "auditor"

// seesAll reports whether p may read every person's requests and grants:
// admins, auditors and API tokens.
func (p Principal) seesAll() bool {
	return p.Admin() || slices.Contains(p.Roles, RoleAuditor)
}
