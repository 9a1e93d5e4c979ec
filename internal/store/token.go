package store

import (
	"slices"
	"time"
)

// Scope is one thing a token may be used for. A token holds one or more;
// see the README's security section for what each allows.
type Scope string

const (
	// ScopeSCIM: SCIM push (/scim/v2) only; never combined with others.
	ScopeSCIM Scope = "scim"
	// ScopeRead: GET on /api/v1, seeing what the token's owner may see.
	ScopeRead Scope = "read"
	// ScopeRequests: submit, decide, extend and end requests and grants.
	ScopeRequests Scope = "requests"
	// ScopeNHIWrite: create and change NHIs and projects, acknowledge
	// findings, accept tasks.
	ScopeNHIWrite Scope = "nhi:write"
	// ScopeCatalogWrite: propose catalog item changes (four-eyes still
	// applies).
	ScopeCatalogWrite Scope = "catalog:write"
	// ScopeReviews: decide the review items assigned to the token's
	// owner; with admin also start and close campaigns.
	ScopeReviews Scope = "reviews"
	// ScopeAudit: read the audit trail, and everything else read-only
	// (an auditor's view).
	ScopeAudit Scope = "audit"
	// ScopeAdmin: act with the admin role; combine with the write scopes
	// that are needed.
	ScopeAdmin Scope = "admin"
	// ScopeAPI is the single scope tokens had before scopes were split:
	// admin with every API scope. Still accepted, so existing tokens and
	// scripts keep working; token list marks it.
	ScopeAPI Scope = "api"
)

// Scopes lists every known scope.
var Scopes = []Scope{ScopeSCIM, ScopeRead, ScopeRequests, ScopeNHIWrite, ScopeCatalogWrite, ScopeReviews, ScopeAudit, ScopeAdmin, ScopeAPI}

// Valid reports whether s is a known scope.
func (s Scope) Valid() bool { return slices.Contains(Scopes, s) }

// Token is an API or SCIM bearer token. Only the SHA-256 hash of the secret
// is stored; the secret itself is shown once at creation.
type Token struct {
	ID     string
	Name   string
	Scopes []Scope
	Source string // for SCIM tokens: the source name pushes are recorded under
	// OwnerID is the person the token acts for and is revoked with; ""
	// for a system token (SCIM pushes, automation not tied to a person).
	OwnerID    string
	Hash       []byte
	CreatedAt  time.Time
	ExpiresAt  *time.Time // nil: never (only tokens made before expiries existed)
	RevokedAt  *time.Time
	LastUsedAt *time.Time
}

// Has reports whether t holds scope s. The legacy api scope holds every
// API scope.
func (t Token) Has(s Scope) bool {
	if slices.Contains(t.Scopes, s) {
		return true
	}
	return s != ScopeSCIM && slices.Contains(t.Scopes, ScopeAPI)
}

// ValidScopes reports whether ss is a usable scope set: non-empty, known,
// and scim alone.
func ValidScopes(ss []Scope) bool {
	if len(ss) == 0 {
		return false
	}
	for _, s := range ss {
		if !s.Valid() {
			return false
		}
	}
	return !slices.Contains(ss, ScopeSCIM) || len(ss) == 1
}
