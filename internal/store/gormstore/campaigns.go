package gormstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm/clause"

	"github.com/syncd-dev/syncd/internal/store"
)

var _ store.ReviewTx = (*txn)(nil)

type campaignRow struct {
	ID                string `gorm:"primaryKey"`
	Definition        string
	DefinitionVersion string
	Parameters        string
	Period            string
	Kind              string
	State             string
	Stage             int
	Stages            int
	GenCursor         string
	Generated         int
	StartedBy         string
	SubjectID         string
	MoverEvent        int64
	StartedAt         time.Time
	StageDueAt        time.Time
	DueAt             time.Time
	ClosedAt          *time.Time
	Report            string
	Version           int64
	CreatedAt         time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt         time.Time `gorm:"autoUpdateTime:false"`
}

func (campaignRow) TableName() string { return "campaigns" }

type campaignNoteJSON struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	ItemID int64     `json:"item,omitempty"`
	Text   string    `json:"text"`
}

func campaignToRow(c store.Campaign) (campaignRow, error) {
	notes := make([]campaignNoteJSON, len(c.Report))
	for i, n := range c.Report {
		notes[i] = campaignNoteJSON{At: utc(n.At), Kind: n.Kind, ItemID: n.ItemID, Text: n.Text}
	}
	report, err := json.Marshal(notes)
	if err != nil {
		return campaignRow{}, err
	}
	params := string(c.Parameters)
	if params == "" {
		params = "{}"
	}
	return campaignRow{
		ID: c.ID, Definition: c.Definition, DefinitionVersion: c.DefinitionVersion, Parameters: params,
		Period: c.Period, Kind: c.Kind, State: string(c.State), Stage: c.Stage, Stages: c.Stages,
		GenCursor: c.GenCursor, Generated: c.Generated, StartedBy: c.StartedBy, SubjectID: c.SubjectID,
		MoverEvent: c.MoverEvent, StartedAt: utc(c.StartedAt), StageDueAt: utc(c.StageDueAt), DueAt: utc(c.DueAt),
		ClosedAt: utcPtr(c.ClosedAt), Report: string(report), Version: c.Version,
		CreatedAt: utc(c.CreatedAt), UpdatedAt: utc(c.UpdatedAt),
	}, nil
}

func (r campaignRow) toCampaign() (store.Campaign, error) {
	c := store.Campaign{
		ID: r.ID, Definition: r.Definition, DefinitionVersion: r.DefinitionVersion, Parameters: []byte(r.Parameters),
		Period: r.Period, Kind: r.Kind, State: store.CampaignState(r.State), Stage: r.Stage, Stages: r.Stages,
		GenCursor: r.GenCursor, Generated: r.Generated, StartedBy: r.StartedBy, SubjectID: r.SubjectID,
		MoverEvent: r.MoverEvent, StartedAt: utc(r.StartedAt), StageDueAt: utc(r.StageDueAt), DueAt: utc(r.DueAt),
		ClosedAt: utcPtr(r.ClosedAt), Version: r.Version, CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt),
	}
	var notes []campaignNoteJSON
	if err := json.Unmarshal([]byte(r.Report), &notes); err != nil {
		return store.Campaign{}, fmt.Errorf("campaign %s: report: %w", r.ID, err)
	}
	for _, n := range notes {
		c.Report = append(c.Report, store.CampaignNote{At: utc(n.At), Kind: n.Kind, ItemID: n.ItemID, Text: n.Text})
	}
	return c, nil
}

func validCampaign(c store.Campaign) error {
	switch {
	case c.Definition == "" || c.Period == "":
		return errors.New("definition and period are required")
	case c.Kind != store.CampaignGrants && c.Kind != store.CampaignNHIs && c.Kind != store.CampaignMover:
		return fmt.Errorf("invalid kind %q", c.Kind)
	case c.Stages < 1 || c.Stage < 0 || c.Stage >= c.Stages:
		return fmt.Errorf("invalid stage %d of %d", c.Stage, c.Stages)
	case c.StartedAt.IsZero() || c.DueAt.IsZero() || c.StageDueAt.IsZero():
		return errors.New("start and due times are required")
	}
	switch c.State {
	case store.CampaignGenerating, store.CampaignActive, store.CampaignClosed, store.CampaignEmpty:
		return nil
	}
	return fmt.Errorf("invalid state %q", c.State)
}

// CreateCampaign inserts c; an empty ID gets a UUIDv7. A duplicate
// (Definition, Period) gives store.ErrConflict.
func (t *txn) CreateCampaign(ctx context.Context, c store.Campaign) (store.Campaign, error) {
	op := fmt.Sprintf("create campaign %q/%q", c.Definition, c.Period)
	if c.State == "" {
		c.State = store.CampaignGenerating
	}
	if err := validCampaign(c); err != nil {
		return store.Campaign{}, fmt.Errorf("gormstore: %s: %w", op, err)
	}
	if c.ID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return store.Campaign{}, fmt.Errorf("gormstore: %s: %w", op, err)
		}
		c.ID = id.String()
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = t.stamp()
	}
	c.UpdatedAt, c.Version = c.CreatedAt, 1
	row, err := campaignToRow(c)
	if err != nil {
		return store.Campaign{}, fmt.Errorf("gormstore: %s: %w", op, err)
	}
	if err := t.conn(ctx).Create(&row).Error; err != nil {
		return store.Campaign{}, wrap(op, err)
	}
	return row.toCampaign()
}

// GetCampaign returns the campaign with id.
func (t *txn) GetCampaign(ctx context.Context, id string) (store.Campaign, error) {
	var row campaignRow
	if err := t.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return store.Campaign{}, wrap(fmt.Sprintf("get campaign %q", id), err)
	}
	c, err := row.toCampaign()
	if err != nil {
		return store.Campaign{}, fmt.Errorf("gormstore: get campaign: %w", err)
	}
	return c, nil
}

// UpdateCampaign is a read-modify-write of one campaign under a row lock;
// fn may not change ID, Definition, Period, Kind or CreatedAt.
func (t *txn) UpdateCampaign(ctx context.Context, id string, fn func(store.Campaign) (store.Campaign, error)) (store.Campaign, error) {
	var (
		out   store.Campaign
		fnErr error
	)
	err := t.atomic(ctx, func(t *txn) error {
		var row campaignRow
		if err := t.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&row).Error; err != nil {
			return err
		}
		old, err := row.toCampaign()
		if err != nil {
			return err
		}
		var next store.Campaign
		if next, fnErr = fn(old); fnErr != nil {
			return fnErr
		}
		next.ID, next.Definition, next.Period, next.Kind, next.CreatedAt = old.ID, old.Definition, old.Period, old.Kind, old.CreatedAt
		if err := validCampaign(next); err != nil {
			return err
		}
		next.Version, next.UpdatedAt = old.Version+1, t.stamp()
		if row, err = campaignToRow(next); err != nil {
			return err
		}
		if err := t.conn(ctx).Model(&campaignRow{}).Where("id = ?", id).Select("*").Omit("id", "definition", "period", "kind", "created_at").Updates(&row).Error; err != nil {
			return err
		}
		out, err = row.toCampaign()
		return err
	})
	if fnErr != nil {
		return store.Campaign{}, fnErr
	}
	if err != nil {
		return store.Campaign{}, wrap(fmt.Sprintf("update campaign %q", id), err)
	}
	return out, nil
}

// ListCampaigns returns matching campaigns, newest first.
func (t *txn) ListCampaigns(ctx context.Context, q store.CampaignQuery) ([]store.Campaign, error) {
	db := t.conn(ctx).Model(&campaignRow{})
	if q.Definition != "" {
		db = db.Where("definition = ?", q.Definition)
	}
	if len(q.States) > 0 {
		states := make([]string, len(q.States))
		for i, s := range q.States {
			states[i] = string(s)
		}
		db = db.Where("state IN ?", states)
	}
	if q.StageDueBefore != nil {
		db = db.Where("stage_due_at < ?", utc(*q.StageDueBefore))
	}
	db = db.Limit(pageLimit(q.Limit))
	var rows []campaignRow
	if err := db.Order("started_at DESC, id DESC").Find(&rows).Error; err != nil {
		return nil, wrap("list campaigns", err)
	}
	out := make([]store.Campaign, 0, len(rows))
	for _, r := range rows {
		c, err := r.toCampaign()
		if err != nil {
			return nil, fmt.Errorf("gormstore: list campaigns: %w", err)
		}
		out = append(out, c)
	}
	return out, nil
}

// ScanGrants pages over grants ordered by ID.
func (t *txn) ScanGrants(ctx context.Context, q store.GrantScan) ([]store.Grant, error) {
	db := t.conn(ctx).Model(&grantRow{}).Where("id > ?", q.AfterID)
	if len(q.States) > 0 {
		states := make([]string, len(q.States))
		for i, s := range q.States {
			states[i] = string(s)
		}
		db = db.Where("state IN ?", states)
	}
	limit := pageLimit(q.Limit)
	var rows []grantRow
	if err := db.Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap("scan grants", err)
	}
	out := make([]store.Grant, 0, len(rows))
	for _, r := range rows {
		g, err := r.toGrant()
		if err != nil {
			return nil, fmt.Errorf("gormstore: scan grants: %w", err)
		}
		out = append(out, g)
	}
	return out, nil
}
