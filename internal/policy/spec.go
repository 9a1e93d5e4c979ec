package policy

import "time"

// ItemSpec is the part of a catalog item that policy decides on.
type ItemSpec struct {
	ID      string
	Name    string
	Kind    string // app-role, group, permission, service-account-role, api-key, certificate, token
	Risk    string // low, medium, high, critical
	OwnerID string // person ID of the item owner
	Retired bool

	Eligibility Eligibility
	// AutoApprove, when set, lets a request skip approval if it holds and
	// the item's risk is low or medium. Never for high or critical risk.
	AutoApprove *Condition
	Stages      []StageSpec

	MaxDuration           time.Duration // 0: no maximum
	JustificationRequired bool
	SoDConflicts          []string // item ids that may not be held together with this one

	// Credential items (api-key, certificate, token).
	Environments       []string
	CredentialLifetime time.Duration
}

// Eligibility says who may request an item: a beneficiary holding one of
// JobFunctions, or in one of Departments, or for whom When (CEL) is true.
// All empty: everyone.
type Eligibility struct {
	JobFunctions []string
	Departments  []string
	When         string
}

// Open reports whether everyone is eligible.
func (e Eligibility) Open() bool {
	return len(e.JobFunctions) == 0 && len(e.Departments) == 0 && e.When == ""
}

// Condition holds when the beneficiary holds one of JobFunctions or When
// (CEL) is true.
type Condition struct {
	JobFunctions []string
	When         string
}

// StageSpec is one approval stage as configured.
type StageSpec struct {
	Name      string
	Approvers []ApproverSpec
	Quorum    int // approvals needed; 0 means 1
	Timeout   time.Duration
	OnTimeout string // "deny" or "escalate"
	Fallback  []ApproverSpec
}

// ApproverSpec names approvers: the beneficiary's manager, the item owner,
// the members of a group, or named persons.
type ApproverSpec struct {
	Manager   bool
	ItemOwner bool
	Group     string
	Persons   []string
}

// Stage is a stage with its approvers resolved to person IDs, the requester
// and beneficiary already excluded.
type Stage struct {
	Name      string
	Approvers []string
	Quorum    int
	Timeout   time.Duration
	OnTimeout string
	Fallback  []string
	// Escalated is true when no configured approver remained and the
	// fallback approvers took the stage from the start.
	Escalated bool
}

// Directory answers the questions approver resolution asks.
type Directory interface {
	// GroupMembers returns the person IDs in the named approver group.
	GroupMembers(name string) []string
}

// IsCredential reports whether kind is an NHI credential kind, whose items
// need environments and a credential lifetime.
func IsCredential(kind string) bool {
	return kind == "api-key" || kind == "certificate" || kind == "token"
}
