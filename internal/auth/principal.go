package auth

import (
	"context"
	"slices"
)

// Principal is who is making a request: a signed-in person with roles.
type Principal struct {
	PersonID string
	Name     string
	Issuer   string
	Subject  string
	Roles    []Role
	// CSRF is the session's form token, echoed into every form.
	CSRF string
}

// Has reports whether p holds role.
func (p *Principal) Has(r Role) bool { return p != nil && slices.Contains(p.Roles, r) }

// SeesAll reports whether p may read every object (admin or auditor).
func (p *Principal) SeesAll() bool { return p.Has(RoleAdmin) || p.Has(RoleAuditor) }

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the signed-in principal, or nil.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
