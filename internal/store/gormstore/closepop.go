package gormstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

type closeEvaluationRow struct {
	CampaignID  string `gorm:"primaryKey"`
	EvaluatedAt time.Time
	Scope       string
	RowsWritten int
}

func (closeEvaluationRow) TableName() string { return "campaign_close_evaluations" }

type closePopulationRow struct {
	CampaignID       string `gorm:"primaryKey"`
	Seq              int64  `gorm:"primaryKey;autoIncrement:false"`
	GrantID          string
	NHIID            string `gorm:"column:nhi_id"`
	HolderID         string
	HolderName       string
	EmployeeNumber   string
	Department       string
	Title            string
	ManagerID        string
	ManagerName      string
	HolderStatus     string
	ItemID           string
	ItemName         string
	ItemOwnerID      string
	ItemOwnerName    string
	Risk             string
	ObtainedBy       string
	Assurance        string
	RequestID        string
	StartAt          time.Time
	ExpiryAt         *time.Time
	LastUsedAt       *time.Time
	InScope          bool
	ReviewItemID     int64
	Decision         string
	RemediationState string
	RevokedStillHeld bool
	Note             string
}

func (closePopulationRow) TableName() string { return "campaign_close_population" }

func closePopulationToRow(r store.ClosePopulationRow) closePopulationRow {
	return closePopulationRow{
		CampaignID: r.CampaignID, Seq: r.Seq, GrantID: r.GrantID, NHIID: r.NHIID,
		HolderID: r.HolderID, HolderName: r.HolderName, EmployeeNumber: r.EmployeeNumber, Department: r.Department, Title: r.Title,
		ManagerID: r.ManagerID, ManagerName: r.ManagerName, HolderStatus: r.HolderStatus,
		ItemID: r.ItemID, ItemName: r.ItemName, ItemOwnerID: r.ItemOwnerID, ItemOwnerName: r.ItemOwnerName, Risk: r.Risk,
		ObtainedBy: r.ObtainedBy, Assurance: r.Assurance, RequestID: r.RequestID,
		StartAt: utc(r.Start), ExpiryAt: utcPtr(r.Expiry), LastUsedAt: utcPtr(r.LastUsedAt),
		InScope: r.InScope, ReviewItemID: r.ReviewItemID, Decision: r.Decision, RemediationState: string(r.Remediation),
		RevokedStillHeld: r.RevokedStillHeld, Note: r.Note,
	}
}

func (r closePopulationRow) toDomain() store.ClosePopulationRow {
	return store.ClosePopulationRow{
		CampaignID: r.CampaignID, Seq: r.Seq, GrantID: r.GrantID, NHIID: r.NHIID,
		HolderID: r.HolderID, HolderName: r.HolderName, EmployeeNumber: r.EmployeeNumber, Department: r.Department, Title: r.Title,
		ManagerID: r.ManagerID, ManagerName: r.ManagerName, HolderStatus: r.HolderStatus,
		ItemID: r.ItemID, ItemName: r.ItemName, ItemOwnerID: r.ItemOwnerID, ItemOwnerName: r.ItemOwnerName, Risk: r.Risk,
		ObtainedBy: r.ObtainedBy, Assurance: r.Assurance, RequestID: r.RequestID,
		Start: utc(r.StartAt), Expiry: utcPtr(r.ExpiryAt), LastUsedAt: utcPtr(r.LastUsedAt),
		InScope: r.InScope, ReviewItemID: r.ReviewItemID, Decision: r.Decision, Remediation: store.RemediationState(r.RemediationState),
		RevokedStillHeld: r.RevokedStillHeld, Note: r.Note,
	}
}

// AddClosePopulation inserts a batch of rows; the primary key (campaign,
// seq) refuses a row written twice.
func (t *txn) AddClosePopulation(ctx context.Context, rows []store.ClosePopulationRow) error {
	if len(rows) == 0 {
		return nil
	}
	out := make([]closePopulationRow, len(rows))
	for i, r := range rows {
		if r.CampaignID == "" || r.Seq < 1 || (r.GrantID == "") == (r.NHIID == "") {
			return fmt.Errorf("gormstore: add close population: row %d: campaign, seq and one of grant or nhi are required", r.Seq)
		}
		out[i] = closePopulationToRow(r)
	}
	err := t.atomic(ctx, func(t *txn) error { return t.conn(ctx).CreateInBatches(&out, batchSize).Error })
	return wrap("add close population", err)
}

// CreateCloseEvaluation records the evaluation; its primary key is the
// campaign, so a second one conflicts.
func (t *txn) CreateCloseEvaluation(ctx context.Context, e store.CloseEvaluation) error {
	if e.CampaignID == "" || e.EvaluatedAt.IsZero() {
		return errors.New("gormstore: create close evaluation: campaign and time are required")
	}
	row := closeEvaluationRow{CampaignID: e.CampaignID, EvaluatedAt: utc(e.EvaluatedAt), Scope: e.Scope, RowsWritten: e.Rows}
	return wrap("create close evaluation", t.conn(ctx).Create(&row).Error)
}

// GetCloseEvaluation returns the campaign's evaluation or ErrNotFound.
func (t *txn) GetCloseEvaluation(ctx context.Context, campaignID string) (store.CloseEvaluation, error) {
	var rows []closeEvaluationRow
	if err := t.conn(ctx).Where("campaign_id = ?", campaignID).Limit(1).Find(&rows).Error; err != nil {
		return store.CloseEvaluation{}, wrap("get close evaluation", err)
	}
	if len(rows) == 0 {
		return store.CloseEvaluation{}, fmt.Errorf("gormstore: get close evaluation %s: %w", campaignID, store.ErrNotFound)
	}
	r := rows[0]
	return store.CloseEvaluation{CampaignID: r.CampaignID, EvaluatedAt: utc(r.EvaluatedAt), Scope: r.Scope, Rows: r.RowsWritten}, nil
}

// ListClosePopulation pages over the campaign's rows by the primary key.
func (t *txn) ListClosePopulation(ctx context.Context, campaignID string, afterSeq int64, limit int) ([]store.ClosePopulationRow, error) {
	if limit <= 0 {
		limit = 1000
	}
	var rows []closePopulationRow
	if err := t.conn(ctx).Where("campaign_id = ? AND seq > ?", campaignID, afterSeq).Order("seq").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap("list close population", err)
	}
	out := make([]store.ClosePopulationRow, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}
