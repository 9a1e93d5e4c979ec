package api

import (
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/store"
)

type requestJSON struct {
	ID             string      `json:"id"`
	ItemID         string      `json:"item_id"`
	RequesterID    string      `json:"requester_id"`
	BeneficiaryID  string      `json:"beneficiary_id"`
	BeneficiaryNHI string      `json:"beneficiary_nhi_id,omitempty"`
	Justification  string      `json:"justification,omitempty"`
	Environment    string      `json:"environment,omitempty"`
	NHIName        string      `json:"nhi_name,omitempty"`
	Project        string      `json:"project,omitempty"`
	Start          time.Time   `json:"start"`
	End            time.Time   `json:"end"`
	State          string      `json:"state"`
	CatalogVersion string      `json:"catalog_version"`
	DecisionID     int64       `json:"decision_id"`
	Stage          int         `json:"stage"`
	StageDue       *time.Time  `json:"stage_due,omitempty"`
	Stages         []stageJSON `json:"stages,omitempty"`
	ExtendsGrant   string      `json:"extends_grant_id,omitempty"`
	StateReason    string      `json:"state_reason,omitempty"`
	CreatedAt      time.Time   `json:"created_at"`
}

type stageJSON struct {
	Name      string   `json:"name"`
	Approvers []string `json:"approvers"`
	Quorum    int      `json:"quorum"`
	Approved  []string `json:"approved,omitempty"`
	Escalated bool     `json:"escalated,omitempty"`
}

func toRequest(r store.AccessRequest) requestJSON {
	out := requestJSON{ID: r.ID, ItemID: r.ItemID, RequesterID: r.RequesterID, BeneficiaryID: r.BeneficiaryID, BeneficiaryNHI: r.BeneficiaryNHIID,
		Justification: r.Justification, Environment: r.Environment, NHIName: r.NHIName, Project: r.Project, Start: r.Start, End: r.End, State: string(r.State),
		CatalogVersion: r.CatalogVersion, DecisionID: r.DecisionID, Stage: r.Stage, StageDue: r.StageDue, CreatedAt: r.CreatedAt,
		ExtendsGrant: r.ExtendsGrantID, StateReason: r.StateReason}
	for _, st := range r.Stages {
		out.Stages = append(out.Stages, stageJSON{Name: st.Name, Approvers: st.Approvers, Quorum: st.Quorum, Approved: st.Approved, Escalated: st.Escalated})
	}
	return out
}

type grantJSON struct {
	ID                string     `json:"id"`
	ItemID            string     `json:"item_id"`
	HolderID          string     `json:"holder_id"`
	HolderNHIID       string     `json:"holder_nhi_id,omitempty"`
	RequestID         string     `json:"request_id,omitempty"`
	DecisionID        int64      `json:"decision_id,omitempty"`
	Assurance         string     `json:"assurance"`
	ApproverIDs       []string   `json:"approver_ids,omitempty"`
	Start             time.Time  `json:"start"`
	End               time.Time  `json:"end"`
	State             string     `json:"state"`
	FulfillmentStatus string     `json:"fulfillment_status"`
	FulfillmentError  string     `json:"fulfillment_error,omitempty"`
	EndedAt           *time.Time `json:"ended_at,omitempty"`
	EndedBy           string     `json:"ended_by,omitempty"`
	EndReason         string     `json:"end_reason,omitempty"`
	// Fulfillment is where carrying the grant out stands: pending, done,
	// failed (with error and attempts), awaiting-confirmation, removed.
	Fulfillment fulfillmentJSON `json:"fulfillment"`
	TakeBack    *takeBackJSON   `json:"take_back,omitempty"`
}

type fulfillmentJSON struct {
	Status   string `json:"status"`
	Error    string `json:"error,omitempty"`
	Attempts int    `json:"attempts"`
}

type takeBackJSON struct {
	State       string     `json:"state"`
	Adapter     string     `json:"adapter,omitempty"`
	Error       string     `json:"error,omitempty"`
	Attempts    int        `json:"attempts"`
	RequestedAt *time.Time `json:"requested_at,omitempty"`
	DoneAt      *time.Time `json:"done_at,omitempty"`
}

func toGrant(g store.Grant) grantJSON {
	out := grantJSON{ID: g.ID, ItemID: g.ItemID, HolderID: g.HolderID, HolderNHIID: g.HolderNHIID, RequestID: g.RequestID, DecisionID: g.DecisionID,
		Assurance: g.Assurance, ApproverIDs: g.ApproverIDs, Start: g.Start, End: g.End, State: string(g.State),
		FulfillmentStatus: g.FulfillmentStatus, FulfillmentError: g.FulfillmentError, EndedAt: g.EndedAt, EndedBy: g.EndedBy, EndReason: g.EndReason,
		Fulfillment: fulfillmentJSON{Status: g.FulfillmentStatus, Error: g.FulfillmentError, Attempts: g.Work.Attempts}}
	if g.TakeBack.State != "" {
		tb := g.TakeBack
		out.TakeBack = &takeBackJSON{State: tb.State, Adapter: tb.Adapter, Error: tb.Error, Attempts: tb.Attempts, RequestedAt: tb.RequestedAt, DoneAt: tb.DoneAt}
	}
	return out
}

// outcomeJSON answers a submission or a decision.
type outcomeJSON struct {
	Request     requestJSON `json:"request"`
	Outcome     string      `json:"outcome"`
	Rule        string      `json:"rule"`
	Explanation string      `json:"explanation"`
	Grant       *grantJSON  `json:"grant,omitempty"`
}

func toOutcome(o access.Outcome) outcomeJSON {
	out := outcomeJSON{Request: toRequest(o.Request), Outcome: o.Decision.Outcome, Rule: o.Decision.Rule, Explanation: o.Decision.Explanation}
	if o.Grant != nil {
		g := toGrant(*o.Grant)
		out.Grant = &g
	}
	return out
}
