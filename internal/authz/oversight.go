package authz

// Oversight is a view over every object of a kind at once: the register
// of all grants, the auditors' reports, the findings register and the
// evidence downloads. Admins and auditors read it; nobody changes it.
// Name says which view, for audit events and tests.
type Oversight struct{ Name string }

func (Oversight) kind() string { return "oversight" }
