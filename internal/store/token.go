package store

import "time"

// Scope says what a token may be used for.
type Scope string

const (
	ScopeSCIM Scope = "scim"
	ScopeAPI  Scope = "api"
)

// Valid reports whether s is a known scope.
func (s Scope) Valid() bool { return s == ScopeSCIM || s == ScopeAPI }

// Token is an API or SCIM bearer token. Only the SHA-256 hash of the secret
// is stored; the secret itself is shown once at creation.
type Token struct {
	ID         string
	Name       string
	Scope      Scope
	Source     string // for SCIM tokens: the source name pushes are recorded under
	Hash       []byte
	CreatedAt  time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
}
