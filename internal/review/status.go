package review

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// Status is a campaign's progress: `syncd campaign status --format json`
// and GET /api/v1/campaigns/{id}.
type Status struct {
	ID          string               `json:"id"`
	Definition  string               `json:"definition"`
	Kind        string               `json:"kind"`
	State       string               `json:"state"`
	Stage       int                  `json:"stage"`
	Stages      int                  `json:"stages"`
	StartedAt   time.Time            `json:"startedAt"`
	StageDueAt  time.Time            `json:"stageDueAt"`
	DueAt       time.Time            `json:"dueAt"`
	ClosedAt    *time.Time           `json:"closedAt,omitempty"`
	Generated   int                  `json:"generated"`
	Total       int                  `json:"total"`
	Certified   int                  `json:"certified"`
	Revoked     int                  `json:"revoked"`
	Reassigned  int                  `json:"reassigned"`
	Undecided   int                  `json:"undecided"`
	Defaulted   int                  `json:"defaulted"`
	Escalated   int                  `json:"escalated"`
	ByStage     []StageStatus        `json:"byStage"`
	Remediation RemediationCounts    `json:"remediation"`
	Report      []store.CampaignNote `json:"report"`
}

// StageStatus counts the items currently in one stage.
type StageStatus struct {
	Stage     int `json:"stage"`
	Total     int `json:"total"`
	Certified int `json:"certified"`
	Revoked   int `json:"revoked"`
	Undecided int `json:"undecided"`
}

// RemediationCounts counts revoked items by remediation state.
type RemediationCounts struct {
	Requested  int `json:"requested"`
	Fulfilled  int `json:"fulfilled"`
	Verified   int `json:"verified"`
	Failed     int `json:"failed"`
	Unverified int `json:"unverified"`
	// NotVerifiable: fulfilled where no source syncd reads reports the
	// access (each item says why).
	NotVerifiable int `json:"notVerifiable"`
}

// Status summarises a campaign in a few aggregate queries.
func (s *Service) Status(ctx context.Context, id string) (Status, error) {
	c, err := s.Store.GetCampaign(ctx, id)
	if err != nil {
		return Status{}, fmt.Errorf("review: status %s: %w", id, err)
	}
	n, err := s.Store.CountReviewItems(ctx, id)
	if err != nil {
		return Status{}, fmt.Errorf("review: status %s: %w", id, err)
	}
	st := Status{
		ID: c.ID, Definition: c.Definition, Kind: c.Kind, State: string(c.State), Stage: c.Stage, Stages: c.Stages,
		StartedAt: c.StartedAt, StageDueAt: c.StageDueAt, DueAt: c.DueAt, ClosedAt: c.ClosedAt, Generated: c.Generated,
		Total: n.Total, Certified: n.Certified, Revoked: n.Revoked, Reassigned: n.Reassigned, Undecided: n.Undecided,
		Defaulted: n.Defaulted, Escalated: n.Escalated, Report: c.Report, ByStage: []StageStatus{},
		Remediation: RemediationCounts{
			Requested: n.Remediation[store.RemediationRequested], Fulfilled: n.Remediation[store.RemediationFulfilled],
			Verified: n.Remediation[store.RemediationVerified], Failed: n.Remediation[store.RemediationFailed],
			Unverified: n.Remediation[store.RemediationUnverified], NotVerifiable: n.Remediation[store.RemediationNotVerifiable],
		},
	}
	if st.Report == nil {
		st.Report = []store.CampaignNote{}
	}
	for stage, sc := range n.ByStage {
		st.ByStage = append(st.ByStage, StageStatus{Stage: stage, Total: sc.Total, Certified: sc.Certified, Revoked: sc.Revoked, Undecided: sc.Undecided})
	}
	slices.SortFunc(st.ByStage, func(a, b StageStatus) int { return a.Stage - b.Stage })
	return st, nil
}

// List returns the campaigns that started (not the empty ones), newest first.
func (s *Service) List(ctx context.Context, definition string) ([]store.Campaign, error) {
	cs, err := s.Store.ListCampaigns(ctx, store.CampaignQuery{Definition: definition,
		States: []store.CampaignState{store.CampaignGenerating, store.CampaignActive, store.CampaignClosed}, Limit: store.All})
	if err != nil {
		return nil, fmt.Errorf("review: list campaigns: %w", err)
	}
	return cs, nil
}

// ItemJSON is a review item as the API and CLI show it.
type ItemJSON struct {
	ID             int64           `json:"id"`
	Campaign       string          `json:"campaign"`
	Holder         string          `json:"holder"`
	HolderName     string          `json:"holderName"`
	HolderNHI      string          `json:"holderNhi,omitempty"`
	Item           string          `json:"item"`
	ItemName       string          `json:"itemName"`
	Grant          string          `json:"grant,omitempty"`
	NHI            string          `json:"nhi,omitempty"`
	RiskTier       string          `json:"riskTier,omitempty"`
	Reviewer       []string        `json:"reviewer"`
	Route          string          `json:"route"`
	Stage          int             `json:"stage"`
	State          string          `json:"state"`
	Recommendation string          `json:"recommendation"`
	Reason         string          `json:"reason"`
	Decision       string          `json:"decision"`
	Justification  string          `json:"justification"`
	DecidedBy      string          `json:"decidedBy"`
	DecidedAt      *time.Time      `json:"decidedAt"`
	Defaulted      bool            `json:"defaulted"`
	Escalated      bool            `json:"escalated"`
	Reassigned     int             `json:"reassigned"`
	Remediation    RemediationJSON `json:"remediation"`
	Snapshot       SnapshotJSON    `json:"snapshot"`
}

// RemediationJSON is an item's remediation loop.
type RemediationJSON struct {
	State       string     `json:"state"`
	RequestedAt *time.Time `json:"requestedAt,omitempty"`
	FulfilledAt *time.Time `json:"fulfilledAt,omitempty"`
	Adapter     string     `json:"adapter,omitempty"`
	VerifiedAt  *time.Time `json:"verifiedAt,omitempty"`
	SyncRun     int64      `json:"syncRun,omitempty"`
	FailedAt    *time.Time `json:"failedAt,omitempty"`
	Error       string     `json:"error,omitempty"`
	EscalatedAt *time.Time `json:"escalatedAt,omitempty"`
	Source      string     `json:"source,omitempty"`
	// Checks: sync runs of Source that still showed the access.
	Checks int    `json:"checks,omitempty"`
	Reason string `json:"reason,omitempty"` // why not verifiable, or why verification failed
}

// SnapshotJSON is what was frozen at generation.
type SnapshotJSON struct {
	Department   string     `json:"department,omitempty"`
	JobFunctions []string   `json:"jobFunctions,omitempty"`
	Source       string     `json:"source,omitempty"`
	Assurance    string     `json:"assurance,omitempty"`
	Start        time.Time  `json:"start"`
	Expiry       *time.Time `json:"expiry,omitempty"`
	LastUsedAt   *time.Time `json:"lastUsedAt,omitempty"`
	Environment  string     `json:"environment,omitempty"`
	Version      string     `json:"definitionVersion"`
}

// ToJSON renders an item.
func ToJSON(it store.ReviewItem) ItemJSON {
	r := it.Remediation
	holder := it.HolderID
	if holder == "" {
		holder = it.HolderNHIID
	}
	item := it.ItemID
	if item == "" {
		item = it.NHIID
	}
	reviewers := it.ReviewerIDs
	if reviewers == nil {
		reviewers = []string{}
	}
	return ItemJSON{
		ID: it.ID, Campaign: it.CampaignID, Holder: holder, HolderName: it.Snapshot.HolderName, HolderNHI: it.HolderNHIID,
		Item: item, ItemName: it.Snapshot.ItemName, Grant: it.GrantID, NHI: it.NHIID, RiskTier: it.Snapshot.RiskTier,
		Reviewer: reviewers, Route: it.Route, Stage: it.Stage, State: string(it.State), Recommendation: it.Recommendation,
		Reason: it.Reason, Decision: it.Decision, Justification: it.Justification, DecidedBy: it.DecidedBy,
		DecidedAt: it.DecidedAt, Defaulted: it.Defaulted, Escalated: it.Escalated, Reassigned: it.Reassigned,
		Remediation: RemediationJSON{State: string(r.State), RequestedAt: r.RequestedAt, FulfilledAt: r.FulfilledAt, Adapter: r.Adapter,
			VerifiedAt: r.VerifiedAt, SyncRun: r.VerifiedRun, FailedAt: r.FailedAt, Error: r.Error, EscalatedAt: r.EscalatedAt, Source: r.VerifySource,
			Checks: r.Checks, Reason: r.Reason},
		Snapshot: SnapshotJSON{Department: it.Snapshot.HolderDept, JobFunctions: it.Snapshot.JobFunctions, Source: it.Snapshot.Source,
			Assurance: it.Snapshot.Assurance, Start: it.Snapshot.Start, Expiry: it.Snapshot.Expiry, LastUsedAt: it.Snapshot.LastUsedAt,
			Environment: it.Snapshot.Environment, Version: it.DefinitionVersion},
	}
}
