package store

import (
	"context"
	"time"
)

// CampaignState is where a recertification campaign stands.
type CampaignState string

const (
	// CampaignGenerating: the population is being frozen page by page from
	// GenCursor; nobody decides yet.
	CampaignGenerating CampaignState = "generating"
	// CampaignActive: reviewers decide on the current stage.
	CampaignActive CampaignState = "active"
	// CampaignClosed: every stage closed; decisions are final.
	CampaignClosed CampaignState = "closed"
	// CampaignEmpty: generation found nothing in scope; nothing to review.
	CampaignEmpty CampaignState = "empty"
)

// Campaign kinds: what its review items are about.
const (
	CampaignGrants = "grants" // one item per grant in scope
	CampaignNHIs   = "nhis"   // one item per NHI in scope
	CampaignMover  = "mover"  // a mover micro-review: the grants a new job function no longer justifies
)

// Campaign is one run of a campaign definition. Period is the scheduled
// slot it fills (e.g. "2026-10-01T00:00:00Z"); (Definition, Period) is
// unique, which makes a scheduled start exactly-once across replicas. A
// campaign started by hand gets Period "manual:<id>", a mover micro-review
// "mover:<event id>".
type Campaign struct {
	ID                string
	Definition        string
	DefinitionVersion string // hash of the definition as it was used
	Parameters        []byte // JSON of the definition as it was used
	Period            string
	Kind              string // grants | nhis | mover
	State             CampaignState
	// Stage is the index (0-based) of the current stage; Stages how many
	// the definition has.
	Stage  int
	Stages int
	// GenCursor is where generation resumes: the last grant or NHI ID
	// that has its review item. Generated counts items created so far.
	GenCursor  string
	Generated  int
	StartedBy  string // "schedule", "person:<id>", "api", "mover"
	SubjectID  string // mover micro-review: the person who moved
	MoverEvent int64  // mover micro-review: the mover event
	StartedAt  time.Time
	StageDueAt time.Time // deadline of the current stage
	DueAt      time.Time // deadline of the last stage
	ClosedAt   *time.Time
	// Report lists what the campaign report must say: items nobody could
	// review but the fallback group, defaults held back by the cap.
	Report    []CampaignNote
	Version   int64 // grows with each update
	CreatedAt time.Time
	UpdatedAt time.Time
}

// CampaignNote is one line of a campaign's report.
type CampaignNote struct {
	At     time.Time
	Kind   string // fallback-reviewer | cap-escalated | unverified | remediation-failed | unassigned
	ItemID int64
	Text   string
}

// CampaignQuery selects campaigns; empty fields do not filter.
type CampaignQuery struct {
	Definition string
	States     []CampaignState
	// StageDueBefore selects active campaigns whose current stage is due
	// before it.
	StageDueBefore *time.Time
	Limit          int // 0: DefaultLimit; All: every one
}

// ReviewItemState is where a review item stands in its current stage.
type ReviewItemState string

const (
	ItemPending   ReviewItemState = "pending"   // waiting for a decision
	ItemDecided   ReviewItemState = "decided"   // decided; changeable until the stage closes
	ItemEscalated ReviewItemState = "escalated" // the default was capped or the reviewer did not answer: fallback reviewers decide
	ItemFinal     ReviewItemState = "final"     // the item's last stage closed; the decision stands
)

// Review decisions.
const (
	DecisionCertify  = "certify"
	DecisionRevoke   = "revoke"
	DecisionReassign = "reassign"
)

// Recommendations computed at generation.
const (
	RecommendKeep   = "keep"
	RecommendRevoke = "revoke"
)

// RemediationState is where the take-back of a revoked item stands.
type RemediationState string

const (
	RemediationNone       RemediationState = ""
	RemediationRequested  RemediationState = "requested"  // the revoke was handed to the grant lifecycle / NHI service
	RemediationFulfilled  RemediationState = "fulfilled"  // the fulfiller (adapter) reported the take-back done
	RemediationVerified   RemediationState = "verified"   // the next pull of the source no longer shows the access
	RemediationFailed     RemediationState = "failed"     // the take-back failed
	RemediationUnverified RemediationState = "unverified" // fulfilled, but no pull confirmed it within the delay
	// RemediationNotVerifiable: fulfilled, and no source syncd reads
	// reports this access (manual or webhook fulfillment, an API key
	// syncd issued, a source that pushes): Reason says why. Never
	// claimed verified without a sync run that shows it.
	RemediationNotVerifiable RemediationState = "not-verifiable"
)

// RemediationStates lists every remediation state but none, in the order
// of the loop.
var RemediationStates = []RemediationState{RemediationRequested, RemediationFulfilled, RemediationVerified,
	RemediationFailed, RemediationUnverified, RemediationNotVerifiable}

// ReviewSnapshot is what was reviewed, frozen when the campaign was
// generated: later changes of the grant or NHI do not alter it.
type ReviewSnapshot struct {
	HolderName   string
	HolderDept   string
	JobFunctions []string // the holder's job functions at generation
	ItemName     string
	RiskTier     string
	Source       string // requested | birthright | imported (grants); the NHI's source (NHIs)
	Assurance    string
	Start        time.Time
	Expiry       *time.Time
	LastUsedAt   *time.Time // where a source reports it
	Environment  string
	NHIKind      string
	ProjectID    string
}

// Remediation is the closed loop of one revoked item: requested, then
// fulfilled (when, by which adapter) or failed, then verified by a sync
// run (which, when) or unverified after a delay.
type Remediation struct {
	State        RemediationState
	RequestedAt  *time.Time
	FulfilledAt  *time.Time
	Adapter      string // the fulfiller that took it back: ldap-group, scim-group, manual, nhi
	VerifiedAt   *time.Time
	VerifiedRun  int64 // the sync run whose pull no longer showed the access
	FailedAt     *time.Time
	Error        string
	EscalatedAt  *time.Time // failed or unverified after the delay: escalated
	VerifySource string     // the source whose pull verifies it ("" when none reports this access)
	// Checks counts the successful sync runs of VerifySource that still
	// showed the access after it was taken back; past the definition's
	// limit the take-back is failed and escalated.
	Checks int
	// Reason says why a take-back is not verifiable, or why verification
	// failed.
	Reason string
}

// ReviewItem is one grant or NHI in a campaign. Exactly one of GrantID and
// NHIID is set; (CampaignID, GrantID/NHIID) is unique.
type ReviewItem struct {
	ID          int64
	CampaignID  string
	GrantID     string
	NHIID       string
	HolderID    string // the person holding the grant, or the NHI's owner
	HolderNHIID string // the NHI holding the grant, or the NHI reviewed
	ItemID      string // catalog item (grants); "" for NHI items
	Snapshot    ReviewSnapshot
	// DefinitionVersion is the campaign definition's version at generation.
	DefinitionVersion string
	Stage             int
	// ReviewerIDs are the persons who may decide the item now; Route says
	// how they were found (manager, item-owner, nhi-owner, person, group,
	// fallback). Never the holder.
	ReviewerIDs    []string
	Route          string
	Recommendation string // keep | revoke
	Reason         string
	State          ReviewItemState
	// The current decision: set by the last reviewer (or the default).
	Decision       string // "" | certify | revoke
	Justification  string
	DecidedBy      string // person id; "system" for a default
	DecidedIssuer  string // OIDC issuer of the reviewer's session ("" for API tokens and defaults)
	DecidedSubject string // OIDC subject
	DecidedAt      *time.Time
	Defaulted      bool // decided by the non-response default
	Escalated      bool
	Reassigned     int // how many times it was reassigned
	Remediation    Remediation
	Version        int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// ReviewItemQuery selects review items; empty fields do not filter.
// Results are ordered by ID and paged with AfterID.
type ReviewItemQuery struct {
	CampaignID  string
	ReviewerID  string // items this person may decide now
	Stage       *int
	States      []ReviewItemState
	Decision    *string // "" selects undecided items
	Remediation []RemediationState
	HolderID    string
	ItemID      string
	GrantID     string
	NHIID       string
	AfterID     int64
	Limit       int // 0: DefaultLimit; All: every one
}

// ReviewDecision is one decision as it was made, kept even when a later
// one changes it: who (person id and OIDC issuer/subject), when, what,
// why, and the recommendation the reviewer saw.
type ReviewDecision struct {
	ID                  int64
	ItemID              int64
	CampaignID          string
	Stage               int
	Decision            string // certify | revoke | reassign
	ReviewerID          string // person id; "system" for a default
	Issuer              string
	Subject             string
	Justification       string
	RecommendationShown string
	ReasonShown         string
	Defaulted           bool
	ReassignTo          string // reassign: the new reviewer
	PreviousReviewerIDs []string
	CreatedAt           time.Time
}

// ReviewCounts summarises a campaign's items in a few aggregate queries.
type ReviewCounts struct {
	Total      int
	Certified  int
	Revoked    int
	Reassigned int // items reassigned at least once
	Undecided  int
	Defaulted  int
	Escalated  int
	ByStage    map[int]StageCounts
	// Remediation by state (requested, fulfilled, verified, failed, unverified).
	Remediation map[RemediationState]int
}

// StageCounts is ReviewCounts for the items currently in one stage.
type StageCounts struct {
	Total, Certified, Revoked, Undecided int
}

// ReviewerLoad is how many undecided items one reviewer has in a stage.
type ReviewerLoad struct {
	ReviewerID string
	Pending    int
}

// GrantScan pages over grants by ID for set-wide work (campaign
// generation) without holding the population in memory.
type GrantScan struct {
	AfterID string
	States  []GrantState // nil: all
	Limit   int          // 0: DefaultLimit; All: every one
}

// ReviewTx stores campaigns, their review items and decisions. Package
// review is the only writer.
type ReviewTx interface {
	ReviewReader
	ReviewWriter
}

// ReviewReader is the reading half of ReviewTx.
type ReviewReader interface {
	GetCampaign(ctx context.Context, id string) (Campaign, error)
	// ListCampaigns returns matching campaigns, newest first.
	ListCampaigns(ctx context.Context, q CampaignQuery) ([]Campaign, error)
	GetReviewItem(ctx context.Context, id int64) (ReviewItem, error)
	ListReviewItems(ctx context.Context, q ReviewItemQuery) ([]ReviewItem, error)
	// CountReviewItems summarises a campaign's items.
	CountReviewItems(ctx context.Context, campaignID string) (ReviewCounts, error)
	// ListReviewerLoads returns, per reviewer, the pending items of the
	// campaign's current stage; reviewers with none are absent.
	ListReviewerLoads(ctx context.Context, campaignID string, stage int) ([]ReviewerLoad, error)
	// ListReviewDecisions returns the decisions on one item (itemID > 0)
	// or a whole campaign, oldest first, paged by ID.
	ListReviewDecisions(ctx context.Context, campaignID string, itemID int64, afterID int64, limit int) ([]ReviewDecision, error)

	// ScanGrants pages over grants ordered by ID.
	ScanGrants(ctx context.Context, q GrantScan) ([]Grant, error)
	// ListPersonsByID returns the persons with these IDs (missing ones
	// are absent), in no particular order: one query per generation page.
	ListPersonsByID(ctx context.Context, ids []string) ([]Person, error)
	// ListOpenJobFunctionsOf returns the current job functions of each of
	// these persons, sorted; persons without any are absent.
	ListOpenJobFunctionsOf(ctx context.Context, ids []string) (map[string][]string, error)
	// CountPeers counts, per current job function, its holders, and per
	// (job function, catalog item) the holders of an active grant of the
	// item: what "held by fewer than X% of peers" needs, in two queries.
	CountPeers(ctx context.Context) (PeerCounts, error)
	// ListMoverEventsAfter returns mover events with ID > afterID in ID
	// order, at most limit (100 when 0).
	ListMoverEventsAfter(ctx context.Context, afterID int64, limit int) ([]MoverEvent, error)
	// LastMoverEvents returns each person's latest mover event; persons
	// without one are absent.
	LastMoverEvents(ctx context.Context, personIDs []string) (map[string]MoverEvent, error)
}

// ReviewWriter is the writing half of ReviewTx.
type ReviewWriter interface {
	// CreateCampaign inserts c; an empty ID gets a UUIDv7. A second
	// campaign with the same (Definition, Period) gives ErrConflict.
	CreateCampaign(ctx context.Context, c Campaign) (Campaign, error)
	// UpdateCampaign reads the campaign under a row lock, applies fn and
	// writes the result (Version grows by one); fn's error is returned as is.
	UpdateCampaign(ctx context.Context, id string, fn func(Campaign) (Campaign, error)) (Campaign, error)

	// CreateReviewItems inserts items in batches and returns them with
	// their IDs, in order; ErrConflict if one repeats a (campaign, grant)
	// or (campaign, NHI).
	CreateReviewItems(ctx context.Context, items []ReviewItem) ([]ReviewItem, error)
	// UpdateReviewItem reads the item under a row lock, applies fn and
	// writes the result (Version grows by one); fn's error is returned as is.
	UpdateReviewItem(ctx context.Context, id int64, fn func(ReviewItem) (ReviewItem, error)) (ReviewItem, error)

	CreateReviewDecision(ctx context.Context, d ReviewDecision) (ReviewDecision, error)
}

// PeerCounts are job-function populations and item holders per function.
type PeerCounts struct {
	Persons map[string]int            // job function -> persons holding it
	Holders map[string]map[string]int // job function -> item -> persons with an active grant
}
