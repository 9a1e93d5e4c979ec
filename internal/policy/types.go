package policy

import (
	"slices"
	"strings"
	"time"
)

// Risk tiers, lowest first.
const (
	RiskLow      = "low"
	RiskMedium   = "medium"
	RiskHigh     = "high"
	RiskCritical = "critical"
)

// Outcome is what a decision says should happen to a request.
type Outcome string

const (
	Deny        Outcome = "deny"
	AutoApprove Outcome = "auto-approve"
	Approval    Outcome = "approval"
)

// Person is what policy knows of a requester or beneficiary.
type Person struct {
	ID           string
	DisplayName  string
	Email        string
	Department   string
	Title        string
	Status       string // active, disabled, terminated
	ManagerID    string
	JobFunctions []string
}

// Request is the part of a request policy looks at.
type Request struct {
	Start, End    time.Time
	Justification string
	Environment   string // NHI credential items: the target environment
	// NHI is the non-human identity the request is for, when an owner asks
	// for their NHI; the beneficiary is then that owner.
	NHI *NHI `json:",omitempty"`
}

// NHI is what policy knows of a non-human beneficiary.
type NHI struct {
	ID, Name, Kind, Environment, ProjectID, Status string
}

// Input is everything one decision is made from; it is stored with the
// decision so the decision can be explained and replayed.
type Input struct {
	Requester   Person
	Beneficiary Person
	ItemID      string
	Grants      []string // ids of catalog items the beneficiary holds now
	// Pending are items the beneficiary has other requests pending for:
	// separation of duties counts them like held items, so two
	// conflicting requests cannot both be approved one after the other.
	Pending []string `json:",omitempty"`
	Request Request
	Now     time.Time
}

// Decision is the outcome of evaluating one request, with the rule that
// decided it and the reasons, in words.
type Decision struct {
	Outcome        Outcome
	Rule           string   // e.g. "eligibility", "sod", "auto-approve.job-function", "approval"
	Reasons        []string // each a sentence fragment naming the facts used
	CatalogVersion string
	Stages         []Stage // for Approval: the stages to run, in order
	// Conditions are the catalog's CEL conditions that held (eligibility,
	// auto-approval): the reasons say "meets the item's … condition" in
	// words, and those who may read the catalog's rules see these.
	Conditions []string `json:",omitempty"`
}

// Explanation renders the decision for people: "auto-approved: Dana holds
// job function finance-analyst; item risk low". Approvers appear by id.
func (d Decision) Explanation() string { return d.ExplanationNamed(nil) }

// ExplanationNamed is Explanation with each stage's approvers named by
// name (nil, or an empty answer, keeps the id).
func (d Decision) ExplanationNamed(name func(personID string) string) string {
	verb := map[Outcome]string{Deny: "denied", AutoApprove: "auto-approved", Approval: "needs approval"}[d.Outcome]
	parts := slices.Clone(d.Reasons)
	for _, st := range d.Stages {
		parts = append(parts, describeStage(st, name))
	}
	if len(parts) == 0 {
		return verb
	}
	return verb + ": " + strings.Join(parts, "; ")
}
