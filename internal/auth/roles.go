package auth

import "slices"

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

// RoleMap maps each role to the names (of groups or of job functions) that
// grant it.
type RoleMap map[Role][]string
