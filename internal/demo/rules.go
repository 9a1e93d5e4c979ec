package demo

import "github.com/syncd-dev/syncd/internal/identity"

// Rules are the demo organisation's job-function rules (CEL over person),
// in order.
func Rules() []identity.Rule {
	return []identity.Rule{
		{Name: "executive", JobFunction: "executive", When: `person.department == "Executive" || person.title.startsWith("VP ") || person.title.startsWith("Head of") || person.title == "General Counsel"`},
		{Name: "people-manager", JobFunction: "people-manager", When: `person.title.endsWith("Manager") && person.title != "Product Manager" || person.title == "Product Lead"`},
		{Name: "engineer", JobFunction: "engineer", When: `person.department == "Engineering" && person.title.contains("Engineer")`},
		{Name: "sre", JobFunction: "production-operator", When: `person.title == "Site Reliability Engineer"`},
		{Name: "accountant", JobFunction: "accountant", When: `person.department == "Finance" && person.title.contains("Accountant")`},
		{Name: "finance-analyst", JobFunction: "finance-analyst", When: `person.department == "Finance" && person.title.contains("Analyst")`},
		{Name: "sales", JobFunction: "sales-rep", When: `person.department == "Sales"`},
		{Name: "marketing", JobFunction: "marketer", When: `person.department == "Marketing"`},
		{Name: "it-admin", JobFunction: "it-admin", When: `person.department == "IT"`},
		{Name: "hr", JobFunction: "hr-partner", When: `person.department == "People"`},
		{Name: "compliance", JobFunction: "compliance", When: `person.department == "Legal"`},
		{Name: "product", JobFunction: "product", When: `person.department == "Product"`},
		{Name: "operations", JobFunction: "operations", When: `person.department == "Operations"`},
	}
}

// IdentityConfig is the identity configuration the demo writes with.
func IdentityConfig() identity.Config {
	return identity.Config{
		Sources: map[string]identity.SourceRole{SourceHR: identity.RoleHR, SourceIdP: identity.RoleIdP},
		Rules:   Rules(),
	}
}
