package auth

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/syncd-dev/syncd/internal/store"
)

// standing is what a person may do now, derived on every request from
// current data, so a leaver loses the session and a mover their roles on
// the very next request, on every replica, with no cache to expire.
type standing struct {
	active bool
	roles  []Role
}

// standingOf reads personID's status, groups and open job functions and
// derives their roles:
//
//   - a role's group that syncd holds (pushed over SCIM or pulled from a
//     directory, matched by display name, case-insensitively) counts when
//     the person is a member of it now;
//   - a role's group that syncd does not hold counts when the ID token of
//     the sign-in named it in the groups claim (claimGroups): the only
//     knowledge there is, as of sign-in;
//   - a role's job function counts while the person holds it.
//
// Three or four indexed reads; the session load already costs one.
func (a *Auth) standingOf(ctx context.Context, personID string, claimGroups []string) (standing, error) {
	p, err := a.store.GetPerson(ctx, personID)
	if err != nil {
		return standing{}, fmt.Errorf("auth: person %s: %w", personID, err)
	}
	if p.Status != store.StatusActive {
		return standing{}, nil
	}
	held, err := a.store.ListPersonGroups(ctx, personID, "")
	if err != nil {
		return standing{}, fmt.Errorf("auth: groups of %s: %w", personID, err)
	}
	var jfs []string
	if len(a.cfg.RoleJobFunctions) > 0 {
		as, err := a.store.ListJobFunctions(ctx, personID, false)
		if err != nil {
			return standing{}, fmt.Errorf("auth: job functions of %s: %w", personID, err)
		}
		for _, as := range as {
			if as.Open() {
				jfs = append(jfs, as.JobFunction)
			}
		}
	}
	var roles []Role
	for role, groups := range a.cfg.RoleGroups {
		ok, err := a.inRoleGroup(ctx, groups, held, claimGroups)
		if err != nil {
			return standing{}, err
		}
		if ok {
			roles = append(roles, role)
		}
	}
	for role, want := range a.cfg.RoleJobFunctions {
		if !slices.Contains(roles, role) && slices.ContainsFunc(want, func(jf string) bool { return slices.Contains(jfs, jf) }) {
			roles = append(roles, role)
		}
	}
	sort.Slice(roles, func(i, j int) bool { return roles[i] < roles[j] })
	return standing{active: true, roles: roles}, nil
}

// inRoleGroup reports whether one of a role's groups counts for the
// person: held now, or named by the sign-in's claim while syncd holds no
// group of that name.
func (a *Auth) inRoleGroup(ctx context.Context, groups []string, held []store.Group, claimGroups []string) (bool, error) {
	for _, g := range groups {
		if slices.ContainsFunc(held, func(h store.Group) bool { return strings.EqualFold(h.DisplayName, g) }) {
			return true, nil
		}
	}
	for _, g := range groups {
		if !slices.Contains(claimGroups, g) {
			continue
		}
		n, err := a.store.CountGroups(ctx, groupQuery(g))
		if err != nil {
			return false, fmt.Errorf("auth: group %q: %w", g, err)
		}
		if n == 0 {
			return true, nil
		}
	}
	return false, nil
}

// groupQuery selects the groups of any source named name.
func groupQuery(name string) store.GroupQuery { return store.GroupQuery{DisplayName: name} }
