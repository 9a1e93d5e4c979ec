package auth

import (
	"context"
	"fmt"
	"slices"
)

// TokenRoles narrows the roles a token's scopes give (want) to those its
// owner may hold now, by the rules a session follows on every request: a
// role's group syncd holds counts only while the owner is in it, a job
// function only while held. A role's group syncd does not hold cannot be
// checked (the owner's ID token is not at hand) and counts as it did when
// the token was issued, as does a role the configuration maps to nothing.
// An owner who is not active keeps no role.
func (a *Auth) TokenRoles(ctx context.Context, ownerID string, want []Role) ([]Role, error) {
	var unheld []string
	for _, groups := range a.cfg.RoleGroups {
		for _, g := range groups {
			if slices.Contains(unheld, g) {
				continue
			}
			n, err := a.store.CountGroups(ctx, groupQuery(g))
			if err != nil {
				return nil, fmt.Errorf("auth: group %q: %w", g, err)
			}
			if n == 0 {
				unheld = append(unheld, g)
			}
		}
	}
	now, err := a.standingOf(ctx, ownerID, unheld)
	if err != nil || !now.active {
		return nil, err
	}
	var out []Role
	for _, r := range want {
		mapped := len(a.cfg.RoleGroups[r]) > 0 || len(a.cfg.RoleJobFunctions[r]) > 0
		if !mapped || slices.Contains(now.roles, r) {
			out = append(out, r)
		}
	}
	return out, nil
}
