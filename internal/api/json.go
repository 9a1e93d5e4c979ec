package api

import (
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// NHIDoc is an NHI on the wire: the JSON API's shape, also used by the
// CLI's --format json so the two never drift.
type NHIDoc struct {
	ID          string        `json:"id"`
	Kind        string        `json:"kind"`
	Name        string        `json:"name"`
	Source      string        `json:"source"`
	ExternalID  string        `json:"external_id,omitempty"`
	Environment string        `json:"environment,omitempty"`
	OwnerID     string        `json:"owner_id,omitempty"`
	OwnerRef    string        `json:"owner_ref,omitempty"`
	CoOwnerIDs  []string      `json:"co_owner_ids,omitempty"`
	OwningTeam  string        `json:"owning_team,omitempty"`
	ProjectID   string        `json:"project_id,omitempty"`
	Status      string        `json:"status"`
	Description string        `json:"description,omitempty"`
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
	ExpiresAt   *time.Time    `json:"expires_at,omitempty"`
	RotatedAt   *time.Time    `json:"rotated_at,omitempty"`
	LastUsedAt  *time.Time    `json:"last_used_at,omitempty"`
	Findings    []findingJSON `json:"findings,omitempty"`
}

// NewNHIDoc is the wire form of n (without findings).
func NewNHIDoc(n store.NHI) NHIDoc {
	return NHIDoc{
		ID: n.ID, Kind: string(n.Kind), Name: n.Name, Source: n.Source, ExternalID: n.ExternalID, Environment: n.Environment,
		OwnerID: n.OwnerID, OwnerRef: n.OwnerRef, CoOwnerIDs: n.CoOwnerIDs, OwningTeam: n.OwningTeam, ProjectID: n.ProjectID,
		Status: string(n.Status), Description: n.Description, CreatedAt: n.CreatedAt, UpdatedAt: n.UpdatedAt,
		ExpiresAt: n.ExpiresAt, RotatedAt: n.RotatedAt, LastUsedAt: n.LastUsedAt,
	}
}

type projectJSON struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	OwnerID   string     `json:"owner_id,omitempty"`
	StartDate *time.Time `json:"start_date,omitempty"`
	EndDate   *time.Time `json:"end_date,omitempty"`
	Status    string     `json:"status"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

func toProject(p store.Project) projectJSON {
	return projectJSON{ID: p.ID, Name: p.Name, OwnerID: p.OwnerID, StartDate: p.StartDate, EndDate: p.EndDate,
		Status: string(p.Status), CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

type findingJSON struct {
	ID               int64      `json:"id"`
	NHIID            string     `json:"nhi_id"`
	Rule             string     `json:"rule"`
	Reason           string     `json:"reason"`
	State            string     `json:"state"`
	OpenedAt         time.Time  `json:"opened_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	ResolvedAt       *time.Time `json:"resolved_at,omitempty"`
	AckBy            string     `json:"ack_by,omitempty"`
	AckJustification string     `json:"ack_justification,omitempty"`
	AckExpiresAt     *time.Time `json:"ack_expires_at,omitempty"`
}

func toFinding(f store.Finding) findingJSON {
	return findingJSON{ID: f.ID, NHIID: f.NHIID, Rule: f.Rule, Reason: f.Reason, State: string(f.State), OpenedAt: f.OpenedAt,
		UpdatedAt: f.UpdatedAt, ResolvedAt: f.ResolvedAt, AckBy: f.AckBy, AckJustification: f.AckJustification, AckExpiresAt: f.AckExpiresAt}
}

type taskJSON struct {
	ID            int64      `json:"id"`
	NHIID         string     `json:"nhi_id"`
	FormerOwnerID string     `json:"former_owner_id"`
	Route         string     `json:"route"`
	AssigneeID    string     `json:"assignee_id,omitempty"`
	AssigneeTeam  string     `json:"assignee_team,omitempty"`
	State         string     `json:"state"`
	CreatedAt     time.Time  `json:"created_at"`
	Deadline      time.Time  `json:"deadline"`
	ClosedAt      *time.Time `json:"closed_at,omitempty"`
	ClosedBy      string     `json:"closed_by,omitempty"`
	NewOwnerID    string     `json:"new_owner_id,omitempty"`
	Action        string     `json:"action,omitempty"`
}

func toTask(k store.ReownershipTask) taskJSON {
	return taskJSON{ID: k.ID, NHIID: k.NHIID, FormerOwnerID: k.FormerOwnerID, Route: k.Route, AssigneeID: k.AssigneeID,
		AssigneeTeam: k.AssigneeTeam, State: string(k.State), CreatedAt: k.CreatedAt, Deadline: k.Deadline, ClosedAt: k.ClosedAt,
		ClosedBy: k.ClosedBy, NewOwnerID: k.NewOwnerID, Action: k.Action}
}
