package gormstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm/clause"

	"github.com/syncd-dev/syncd/internal/store"
)

type requestRow struct {
	ID               string `gorm:"primaryKey"`
	ItemID           string
	RequesterID      string
	BeneficiaryID    string
	BeneficiaryNHIID string `gorm:"column:beneficiary_nhi_id"`
	Justification    string
	Environment      string
	NHIName          string `gorm:"column:nhi_name"`
	Project          string
	StartAt          time.Time
	EndAt            time.Time
	State            string
	CatalogVersion   string
	DecisionID       int64
	Stages           string
	Stage            int
	StageDue         *time.Time
	// Approvers is "|id|id|" of the current stage of a pending request, so
	// an approver's inbox is one indexed-enough LIKE away.
	Approvers      string
	ExtendsGrantID string
	StateReason    string
	CreatedAt      time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt      time.Time `gorm:"autoUpdateTime:false"`
}

func (requestRow) TableName() string { return "access_requests" }

func requestToRow(r store.AccessRequest) (requestRow, error) {
	stages, err := json.Marshal(nonNilStages(r.Stages))
	if err != nil {
		return requestRow{}, err
	}
	row := requestRow{
		ID: r.ID, ItemID: r.ItemID, RequesterID: r.RequesterID, BeneficiaryID: r.BeneficiaryID, BeneficiaryNHIID: r.BeneficiaryNHIID,
		Justification: r.Justification, Environment: r.Environment, NHIName: r.NHIName, Project: r.Project, StartAt: utc(r.Start), EndAt: utc(r.End),
		State: string(r.State), CatalogVersion: r.CatalogVersion, DecisionID: r.DecisionID,
		Stages: string(stages), Stage: r.Stage, StageDue: utcPtr(r.StageDue),
		ExtendsGrantID: r.ExtendsGrantID, StateReason: r.StateReason,
		CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt),
	}
	if r.State == store.RequestPending && r.Stage < len(r.Stages) {
		row.Approvers = "|" + strings.Join(r.Stages[r.Stage].Approvers, "|") + "|"
	}
	return row, nil
}

func (r requestRow) toRequest() (store.AccessRequest, error) {
	out := store.AccessRequest{
		ID: r.ID, ItemID: r.ItemID, RequesterID: r.RequesterID, BeneficiaryID: r.BeneficiaryID, BeneficiaryNHIID: r.BeneficiaryNHIID,
		Justification: r.Justification, Environment: r.Environment, NHIName: r.NHIName, Project: r.Project, Start: utc(r.StartAt), End: utc(r.EndAt),
		State: store.RequestState(r.State), CatalogVersion: r.CatalogVersion, DecisionID: r.DecisionID,
		Stage: r.Stage, StageDue: utcPtr(r.StageDue), ExtendsGrantID: r.ExtendsGrantID, StateReason: r.StateReason, CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt),
	}
	if err := json.Unmarshal([]byte(r.Stages), &out.Stages); err != nil {
		return store.AccessRequest{}, fmt.Errorf("request %s: stages: %w", r.ID, err)
	}
	if len(out.Stages) == 0 {
		out.Stages = nil
	}
	return out, nil
}

func nonNilStages(s []store.ApprovalStage) []store.ApprovalStage {
	if s == nil {
		return []store.ApprovalStage{}
	}
	return s
}

func validRequest(r store.AccessRequest) error {
	switch {
	case r.ItemID == "":
		return errors.New("item id is required")
	case r.RequesterID == "" || r.BeneficiaryID == "":
		return errors.New("requester and beneficiary are required")
	case r.State != store.RequestPending && r.State != store.RequestApproved && r.State != store.RequestDenied && r.State != store.RequestWithdrawn:
		return fmt.Errorf("invalid state %q", r.State)
	case r.Stage < 0 || (len(r.Stages) > 0 && r.Stage > len(r.Stages)):
		return fmt.Errorf("stage %d out of range", r.Stage)
	}
	return nil
}

// CreateRequest stores a request; an empty ID gets a UUIDv7.
func (t *txn) CreateRequest(ctx context.Context, r store.AccessRequest) (store.AccessRequest, error) {
	if err := validRequest(r); err != nil {
		return store.AccessRequest{}, fmt.Errorf("gormstore: create request: %w", err)
	}
	if r.ID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return store.AccessRequest{}, fmt.Errorf("gormstore: create request: %w", err)
		}
		r.ID = id.String()
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = t.stamp()
	}
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = r.CreatedAt
	}
	row, err := requestToRow(r)
	if err != nil {
		return store.AccessRequest{}, fmt.Errorf("gormstore: create request: %w", err)
	}
	if err := t.conn(ctx).Create(&row).Error; err != nil {
		return store.AccessRequest{}, wrap("create request", err)
	}
	return row.toRequest()
}

// GetRequest returns the request with id.
func (t *txn) GetRequest(ctx context.Context, id string) (store.AccessRequest, error) {
	var row requestRow
	if err := t.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return store.AccessRequest{}, wrap(fmt.Sprintf("get request %q", id), err)
	}
	return row.toRequest()
}

// UpdateRequest is a read-modify-write of one request under a row lock.
func (t *txn) UpdateRequest(ctx context.Context, id string, fn func(store.AccessRequest) (store.AccessRequest, error)) (store.AccessRequest, error) {
	var (
		out   store.AccessRequest
		fnErr error
	)
	err := t.atomic(ctx, func(t *txn) error {
		var row requestRow
		if err := t.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&row).Error; err != nil {
			return err
		}
		old, err := row.toRequest()
		if err != nil {
			return err
		}
		var next store.AccessRequest
		if next, fnErr = fn(old); fnErr != nil {
			return fnErr
		}
		next.ID, next.CreatedAt = old.ID, old.CreatedAt
		if err := validRequest(next); err != nil {
			return err
		}
		next.UpdatedAt = t.stamp()
		if row, err = requestToRow(next); err != nil {
			return err
		}
		if err := t.conn(ctx).Model(&requestRow{}).Where("id = ?", id).Select("*").Omit("id", "created_at").Updates(&row).Error; err != nil {
			return err
		}
		out, err = row.toRequest()
		return err
	})
	if fnErr != nil {
		return store.AccessRequest{}, fnErr
	}
	if err != nil {
		return store.AccessRequest{}, wrap(fmt.Sprintf("update request %q", id), err)
	}
	return out, nil
}

// ListRequests returns matching requests, newest first.
func (t *txn) ListRequests(ctx context.Context, q store.RequestQuery) ([]store.AccessRequest, error) {
	db := t.conn(ctx).Model(&requestRow{})
	if q.RequesterID != "" {
		db = db.Where("requester_id = ?", q.RequesterID)
	}
	if q.BeneficiaryID != "" {
		db = db.Where("beneficiary_id = ?", q.BeneficiaryID)
	}
	if q.ItemID != "" {
		db = db.Where("item_id = ?", q.ItemID)
	}
	if q.State != "" {
		db = db.Where("state = ?", string(q.State))
	}
	if q.Approver != "" {
		db = db.Where("state = ? AND approvers LIKE ?", string(store.RequestPending), "%|"+escapeLike(q.Approver)+"|%")
	}
	if q.DueBefore != nil {
		db = db.Where("state = ? AND stage_due IS NOT NULL AND stage_due < ?", string(store.RequestPending), utc(*q.DueBefore))
	}
	limit := pageLimit(q.Limit)
	var rows []requestRow
	if err := db.Order("created_at DESC, id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap("list requests", err)
	}
	out := make([]store.AccessRequest, 0, len(rows))
	for _, r := range rows {
		req, err := r.toRequest()
		if err != nil {
			return nil, fmt.Errorf("gormstore: list requests: %w", err)
		}
		out = append(out, req)
	}
	return out, nil
}

// escapeLike neutralises LIKE wildcards in a value; ids hold none, but a
// caller-supplied value must never widen the match.
func escapeLike(s string) string {
	return strings.NewReplacer("%", "", "_", "", "|", "").Replace(s)
}

type decisionRow struct {
	ID             int64 `gorm:"primaryKey"`
	RequestID      string
	Outcome        string
	Rule           string
	Reasons        string
	Explanation    string
	CatalogVersion string
	Inputs         string
	CreatedAt      time.Time `gorm:"autoCreateTime:false"`
}

func (decisionRow) TableName() string { return "policy_decisions" }

func (r decisionRow) toDecision() (store.PolicyDecision, error) {
	d := store.PolicyDecision{
		ID: r.ID, RequestID: r.RequestID, Outcome: r.Outcome, Rule: r.Rule, Explanation: r.Explanation,
		CatalogVersion: r.CatalogVersion, Inputs: []byte(r.Inputs), CreatedAt: utc(r.CreatedAt),
	}
	if err := json.Unmarshal([]byte(r.Reasons), &d.Reasons); err != nil {
		return store.PolicyDecision{}, fmt.Errorf("decision %d: reasons: %w", r.ID, err)
	}
	return d, nil
}

// CreatePolicyDecision stores a decision record; records are never changed.
func (t *txn) CreatePolicyDecision(ctx context.Context, d store.PolicyDecision) (store.PolicyDecision, error) {
	if d.RequestID == "" || d.Outcome == "" || d.Rule == "" || len(d.Inputs) == 0 {
		return store.PolicyDecision{}, errors.New("gormstore: create policy decision: request, outcome, rule and inputs are required")
	}
	reasons, err := json.Marshal(nonNil(d.Reasons))
	if err != nil {
		return store.PolicyDecision{}, fmt.Errorf("gormstore: create policy decision: %w", err)
	}
	if d.CreatedAt.IsZero() {
		d.CreatedAt = t.stamp()
	}
	row := decisionRow{
		RequestID: d.RequestID, Outcome: d.Outcome, Rule: d.Rule, Reasons: string(reasons), Explanation: d.Explanation,
		CatalogVersion: d.CatalogVersion, Inputs: string(d.Inputs), CreatedAt: utc(d.CreatedAt),
	}
	if err := t.conn(ctx).Create(&row).Error; err != nil {
		return store.PolicyDecision{}, wrap("create policy decision", err)
	}
	return row.toDecision()
}

// GetPolicyDecision returns the decision record with id.
func (t *txn) GetPolicyDecision(ctx context.Context, id int64) (store.PolicyDecision, error) {
	var row decisionRow
	if err := t.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return store.PolicyDecision{}, wrap(fmt.Sprintf("get policy decision %d", id), err)
	}
	return row.toDecision()
}

type approverDecisionRow struct {
	ID         int64 `gorm:"primaryKey"`
	RequestID  string
	Stage      int
	ApproverID string
	Approve    bool
	Comment    string
	CreatedAt  time.Time `gorm:"autoCreateTime:false"`
}

func (approverDecisionRow) TableName() string { return "approver_decisions" }

// CreateApproverDecision records one approver's decision on a stage; a
// second decision by the same approver on the same stage is ErrConflict.
func (t *txn) CreateApproverDecision(ctx context.Context, d store.ApproverDecision) (store.ApproverDecision, error) {
	if d.CreatedAt.IsZero() {
		d.CreatedAt = t.stamp()
	}
	row := approverDecisionRow{RequestID: d.RequestID, Stage: d.Stage, ApproverID: d.ApproverID, Approve: d.Approve, Comment: d.Comment, CreatedAt: utc(d.CreatedAt)}
	if err := t.conn(ctx).Create(&row).Error; err != nil {
		return store.ApproverDecision{}, wrap("create approver decision", err)
	}
	d.ID, d.CreatedAt = row.ID, row.CreatedAt
	return d, nil
}

// ListApproverDecisions returns a request's approver decisions in order.
func (t *txn) ListApproverDecisions(ctx context.Context, requestID string) ([]store.ApproverDecision, error) {
	var rows []approverDecisionRow
	if err := t.conn(ctx).Where("request_id = ?", requestID).Order("id").Find(&rows).Error; err != nil {
		return nil, wrap("list approver decisions", err)
	}
	out := make([]store.ApproverDecision, len(rows))
	for i, r := range rows {
		out[i] = store.ApproverDecision{ID: r.ID, RequestID: r.RequestID, Stage: r.Stage, ApproverID: r.ApproverID, Approve: r.Approve, Comment: r.Comment, CreatedAt: utc(r.CreatedAt)}
	}
	return out, nil
}
