package authz

import "testing"

func TestOversightIsForAdminsAndAuditors(t *testing.T) {
	pol := Policy{People: people{"emp": {ID: "emp"}}}
	for _, tc := range []struct {
		name string
		p    Principal
		a    Action
		want bool
	}{
		{"admin reads", Principal{PersonID: "emp", Roles: []Role{RoleAdmin}}, Read, true},
		{"auditor reads", Principal{PersonID: "emp", Roles: []Role{RoleAuditor}}, Read, true},
		{"auditor does not manage", Principal{PersonID: "emp", Roles: []Role{RoleAuditor}}, Manage, false},
		{"catalog owner does not read", Principal{PersonID: "emp", Roles: []Role{RoleCatalogOwner}}, Read, false},
		{"employee does not read", Principal{PersonID: "emp"}, Read, false},
		{"system token without roles does not read", Principal{}, Read, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := pol.Allowed(t.Context(), tc.p, tc.a, Oversight{Name: "grants"})
			if err != nil || got != tc.want {
				t.Fatalf("Allowed = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}
