package auth

import (
	"slices"
	"sort"
)

// Role is what a signed-in person may do beyond the implicit roles every
// person has (see themselves, see their reports as a manager).
type Role string

const (
	RoleAdmin        Role = "admin"
	RoleAuditor      Role = "auditor" // read-only everywhere, evidence downloads
	RoleCatalogOwner Role = "catalog-owner"
)

// Roles lists the configurable roles.
var Roles = []Role{RoleAdmin, RoleAuditor, RoleCatalogOwner}

// Valid reports whether r is a configurable role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// RoleMap maps IdP group names (as the groups claim carries them) to roles.
type RoleMap map[Role][]string

// rolesFor returns the roles the groups grant, sorted and unique.
func (m RoleMap) rolesFor(groups []string) []Role {
	var out []Role
	for role, gs := range m {
		for _, g := range gs {
			if slices.Contains(groups, g) {
				out = append(out, role)
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
