package store

import (
	"context"
	"time"
)

// RequestState is where an access request stands.
type RequestState string

const (
	RequestPending  RequestState = "pending"  // waiting for approvers
	RequestApproved RequestState = "approved" // a grant exists (auto-approved or approved)
	RequestDenied   RequestState = "denied"   // by policy, an approver or a timeout
	// RequestWithdrawn: the requester took a pending request back.
	RequestWithdrawn RequestState = "withdrawn"
)

// AccessRequest is one request for a catalog item.
type AccessRequest struct {
	ID            string
	ItemID        string
	RequesterID   string
	BeneficiaryID string
	// BeneficiaryNHIID is set when the request is for a non-human
	// identity; BeneficiaryID is then its owner, the accountable person.
	BeneficiaryNHIID string
	Justification    string
	Environment      string
	// NHIName and Project describe the identity a request onboards
	// (service-account fulfillment); empty otherwise.
	NHIName        string
	Project        string
	Start, End     time.Time
	State          RequestState
	CatalogVersion string
	DecisionID     int64
	// Stages are the approval stages the decision resolved, with their
	// state; Stage is the index of the current one.
	Stages   []ApprovalStage
	Stage    int
	StageDue *time.Time
	// ExtendsGrantID is the live grant this request extends (a request
	// for an item its beneficiary already holds); approving it moves that
	// grant's end instead of creating a second grant.
	ExtendsGrantID string
	// StateReason says why a re-check refused the request when it took
	// effect (separation of duties, an approver who left, a late
	// decision), or why it was withdrawn.
	StateReason string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ApprovalStage is one resolved stage of a pending or finished request.
type ApprovalStage struct {
	Name      string
	Approvers []string
	Quorum    int
	Timeout   time.Duration
	OnTimeout string
	Fallback  []string
	Escalated bool
	Approved  []string // approvers who approved, in order
}

// RequestQuery selects requests; empty fields do not filter.
type RequestQuery struct {
	RequesterID   string
	BeneficiaryID string
	ItemID        string
	State         RequestState
	// Approver: pending requests whose current stage lists this person.
	Approver string
	// DueBefore: pending requests whose stage is due before this time.
	DueBefore *time.Time
	Limit     int // 0: DefaultLimit; All: every one
}

// PolicyDecision is the record of one policy evaluation: its inputs, the
// catalog version, the rule that decided and why.
type PolicyDecision struct {
	ID             int64
	RequestID      string
	Outcome        string
	Rule           string
	Reasons        []string
	Explanation    string
	CatalogVersion string
	Inputs         []byte // JSON of policy.Input
	CreatedAt      time.Time
}

// ApproverDecision is one approver's approve or deny on a request stage.
type ApproverDecision struct {
	ID         int64
	RequestID  string
	Stage      int
	ApproverID string
	Approve    bool
	Comment    string
	CreatedAt  time.Time
}

// GrantState is where a grant stands.
type GrantState string

// The lifecycle is pending → active → ending → ended (or revoked), with
// pending → failed → pending on a retry; package access guards every
// transition. Ended and revoked are final.
const (
	GrantPending GrantState = "pending" // fulfillment not done yet
	GrantActive  GrantState = "active"
	GrantFailed  GrantState = "failed" // fulfillment failed; never active
	// GrantEnding: the grant no longer counts as held; its take-back in the
	// target system is being carried out.
	GrantEnding  GrantState = "ending"
	GrantEnded   GrantState = "ended" // expired at its end
	GrantRevoked GrantState = "revoked"
)

// Assurance levels of a grant: how it came to be.
const (
	AssuranceAutoApproved = "self-request+auto-approved"
	AssuranceApproved     = "approved"
	AssuranceBirthright   = "birthright"
	AssuranceImported     = "imported"
)

// Grant is a person holding a catalog item.
type Grant struct {
	ID       string
	ItemID   string
	HolderID string
	// HolderNHIID is the non-human identity holding the grant, when it is
	// one; HolderID is then its owner.
	HolderNHIID string
	RequestID   string // "" for birthright and imported grants
	DecisionID  int64
	Assurance   string
	ApproverIDs []string // per stage, in order, for approved grants
	Start, End  time.Time
	State       GrantState
	// Fulfillment
	FulfillmentStatus string // pending, done, failed
	FulfillmentError  string
	FulfillmentRef    string // e.g. the NHI created for an api-key item
	EndedAt           *time.Time
	EndedBy           string
	EndReason         string
	// Work is the durable fulfillment or take-back still to be done.
	Work GrantWork
	// TakeBack is the state of the grant's take-back once it is ending.
	TakeBack  TakeBack
	CreatedAt time.Time
	UpdatedAt time.Time
}

// GrantWork is the fulfillment or take-back work recorded on a grant, in
// the same transaction as the change that calls for it: DueAt set means
// there is work; a worker claims it by writing LeaseUntil and LeaseToken,
// and only the holder of the token may record the outcome.
type GrantWork struct {
	DueAt      *time.Time
	LeaseUntil *time.Time
	LeaseToken string
	Attempts   int // fulfillment attempts so far
	// EndState is the final state an ending grant reaches (ended or
	// revoked) once taken back.
	EndState GrantState
}

// TakeBack records the removal of a grant's access in the target system.
type TakeBack struct {
	State       string // "", requested, done, failed (still retried)
	Adapter     string // the fulfillment type that takes it back
	Error       string
	Attempts    int
	RequestedAt *time.Time
	DoneAt      *time.Time
}

// GrantQuery selects grants; empty fields do not filter.
type GrantQuery struct {
	HolderID    string
	HolderNHIID string
	ItemID      string
	// ItemIDs: any of these items (with ItemID, either matches).
	ItemIDs   []string
	States    []GrantState // nil: all
	EndBefore *time.Time   // active grants ending before this time
	Limit     int          // 0: DefaultLimit; All: every one
}

// Notification is a message the UI shows a person (pre-expiry notices,
// approval requests); e-mail comes later.
type Notification struct {
	ID        int64
	PersonID  string
	Kind      string
	Subject   string // what it is about: "grant:<id>", "request:<id>"
	Message   string
	DedupeKey string // unique: the same notice is recorded once
	CreatedAt time.Time
	ReadAt    *time.Time
}

// AccessTx is the request, decision and grant part of Tx.
type AccessTx interface {
	AccessReader
	AccessWriter
}

// AccessReader is the reading half of AccessTx.
type AccessReader interface {
	GetRequest(ctx context.Context, id string) (AccessRequest, error)
	ListRequests(ctx context.Context, q RequestQuery) ([]AccessRequest, error)
	GetPolicyDecision(ctx context.Context, id int64) (PolicyDecision, error)
	ListApproverDecisions(ctx context.Context, requestID string) ([]ApproverDecision, error)
	GetGrant(ctx context.Context, id string) (Grant, error)
	ListGrants(ctx context.Context, q GrantQuery) ([]Grant, error)
	ListNotifications(ctx context.Context, personID string, unreadOnly bool) ([]Notification, error)
}

// AccessWriter is the writing half of AccessTx.
type AccessWriter interface {
	CreateRequest(ctx context.Context, r AccessRequest) (AccessRequest, error)
	UpdateRequest(ctx context.Context, id string, fn func(AccessRequest) (AccessRequest, error)) (AccessRequest, error)

	CreatePolicyDecision(ctx context.Context, d PolicyDecision) (PolicyDecision, error)

	CreateApproverDecision(ctx context.Context, d ApproverDecision) (ApproverDecision, error)

	CreateGrant(ctx context.Context, g Grant) (Grant, error)
	UpdateGrant(ctx context.Context, id string, fn func(Grant) (Grant, error)) (Grant, error)

	// CreateNotification records n once per DedupeKey; a second call with
	// the same key returns ErrConflict.
	CreateNotification(ctx context.Context, n Notification) (Notification, error)
}

// CatalogItemVersion is one version of a catalog item changed through the
// API. Definition is the item as the API received it (JSON); Version
// starts at 1 and grows by one with each change of the item.
type CatalogItemVersion struct {
	ItemID     string
	Version    int
	Definition []byte
	Author     string
	Retired    bool
	CreatedAt  time.Time
}

// CatalogTx keeps the versions of catalog items changed through the API.
type CatalogTx interface {
	CatalogReader
	CatalogWriter
}

// CatalogReader is the reading half of CatalogTx.
type CatalogReader interface {
	// ListCatalogItems returns the latest version of every item, by ID.
	ListCatalogItems(ctx context.Context) ([]CatalogItemVersion, error)
	// ListCatalogItemVersions returns every version of one item, oldest
	// first; none is an empty list, not an error.
	ListCatalogItemVersions(ctx context.Context, itemID string) ([]CatalogItemVersion, error)
}

// CatalogWriter is the writing half of CatalogTx.
type CatalogWriter interface {
	// PutCatalogItem stores v as the item's next version (the last one
	// plus one; Version and a zero CreatedAt are set by the store). Two
	// writers racing for the same version: one gets ErrConflict.
	PutCatalogItem(ctx context.Context, v CatalogItemVersion) (CatalogItemVersion, error)
}
