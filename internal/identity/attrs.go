package identity

import "github.com/syncd-dev/syncd/internal/store"

// Canonical attribute names, as kept in store.SourceLink.Attributes and as
// seen by job-function rules.
const (
	AttrUserName       = "userName"
	AttrEmail          = "email"
	AttrGivenName      = "givenName"
	AttrFamilyName     = "familyName"
	AttrDisplayName    = "displayName"
	AttrEmployeeNumber = "employeeNumber"
	AttrTitle          = "title"
	AttrDepartment     = "department"
	AttrCostCenter     = "costCenter"
	AttrOrganization   = "organization"
	AttrDivision       = "division"
	AttrManager        = "manager" // resolved manager person ID
	AttrStatus         = "status"  // active | disabled | terminated
)

// attrDN is the link attribute holding the record's LDAP DN, so managers
// named by DN resolve. It is not a person attribute.
const attrDN = "dn"

// Attributes lists every canonical attribute in a fixed order.
var Attributes = []string{
	AttrUserName, AttrEmail, AttrGivenName, AttrFamilyName, AttrDisplayName,
	AttrEmployeeNumber, AttrTitle, AttrDepartment, AttrCostCenter,
	AttrOrganization, AttrDivision, AttrManager, AttrStatus,
}

func isCanonical(name string) bool {
	for _, a := range Attributes {
		if a == name {
			return true
		}
	}
	return false
}

// personAttrs returns p's effective attributes by canonical name, every one
// present (empty when unset).
func personAttrs(p store.Person) map[string]string {
	return map[string]string{
		AttrUserName:       p.UserName,
		AttrEmail:          p.Email,
		AttrGivenName:      p.GivenName,
		AttrFamilyName:     p.FamilyName,
		AttrDisplayName:    p.DisplayName,
		AttrEmployeeNumber: p.EmployeeNumber,
		AttrTitle:          p.Title,
		AttrDepartment:     p.Department,
		AttrCostCenter:     p.CostCenter,
		AttrOrganization:   p.Organization,
		AttrDivision:       p.Division,
		AttrManager:        p.ManagerID,
		AttrStatus:         string(p.Status),
	}
}

// personAttr is personAttrs(p)[name] without building the map.
func personAttr(p *store.Person, name string) string {
	switch name {
	case AttrUserName:
		return p.UserName
	case AttrEmail:
		return p.Email
	case AttrGivenName:
		return p.GivenName
	case AttrFamilyName:
		return p.FamilyName
	case AttrDisplayName:
		return p.DisplayName
	case AttrEmployeeNumber:
		return p.EmployeeNumber
	case AttrTitle:
		return p.Title
	case AttrDepartment:
		return p.Department
	case AttrCostCenter:
		return p.CostCenter
	case AttrOrganization:
		return p.Organization
	case AttrDivision:
		return p.Division
	case AttrManager:
		return p.ManagerID
	case AttrStatus:
		return string(p.Status)
	}
	return ""
}

// setPersonAttrs copies the canonical attributes of m onto p. Missing names
// clear the field; status is left to the caller.
func setPersonAttrs(p *store.Person, m map[string]string) {
	p.UserName = m[AttrUserName]
	p.Email = m[AttrEmail]
	p.GivenName = m[AttrGivenName]
	p.FamilyName = m[AttrFamilyName]
	p.DisplayName = m[AttrDisplayName]
	p.EmployeeNumber = m[AttrEmployeeNumber]
	p.Title = m[AttrTitle]
	p.Department = m[AttrDepartment]
	p.CostCenter = m[AttrCostCenter]
	p.Organization = m[AttrOrganization]
	p.Division = m[AttrDivision]
	p.ManagerID = m[AttrManager]
}
