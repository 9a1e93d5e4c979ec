package gormstore

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/syncd-dev/syncd/internal/store"
)

var _ store.FindingTx = (*txn)(nil)

type findingRow struct {
	ID               int64  `gorm:"primaryKey"`
	NHIID            string `gorm:"column:nhi_id"`
	Rule             string
	Reason           string
	State            string
	OpenedAt         time.Time
	UpdatedAt        time.Time `gorm:"autoUpdateTime:false"`
	ResolvedAt       *time.Time
	AckBy            string
	AckJustification string
	AckExpiresAt     *time.Time
}

func (findingRow) TableName() string { return "nhi_findings" }

func findingToRow(f store.Finding) findingRow {
	return findingRow{
		ID: f.ID, NHIID: f.NHIID, Rule: f.Rule, Reason: f.Reason, State: string(f.State),
		OpenedAt: utc(f.OpenedAt), UpdatedAt: utc(f.UpdatedAt), ResolvedAt: utcPtr(f.ResolvedAt),
		AckBy: f.AckBy, AckJustification: f.AckJustification, AckExpiresAt: utcPtr(f.AckExpiresAt),
	}
}

func (r findingRow) toFinding() store.Finding {
	return store.Finding{
		ID: r.ID, NHIID: r.NHIID, Rule: r.Rule, Reason: r.Reason, State: store.FindingState(r.State),
		OpenedAt: utc(r.OpenedAt), UpdatedAt: utc(r.UpdatedAt), ResolvedAt: utcPtr(r.ResolvedAt),
		AckBy: r.AckBy, AckJustification: r.AckJustification, AckExpiresAt: utcPtr(r.AckExpiresAt),
	}
}

type findingEventRow struct {
	ID        int64 `gorm:"primaryKey"`
	FindingID int64
	At        time.Time
	Kind      string
	Actor     string
	Reason    string
}

func (findingEventRow) TableName() string { return "nhi_finding_events" }

func validFinding(f store.Finding) error {
	switch {
	case f.NHIID == "" || f.Rule == "":
		return fmt.Errorf("nhi id and rule are required")
	case f.State != store.FindingOpen && f.State != store.FindingAcknowledged && f.State != store.FindingResolved:
		return fmt.Errorf("invalid state %q", f.State)
	}
	return nil
}

// batchSize bounds rows per INSERT, below SQLite's and PostgreSQL's bind
// parameter limits.
const batchSize = 500

// CreateFindings inserts fs in batches; zero times become now.
func (t *txn) CreateFindings(ctx context.Context, fs []store.Finding) ([]store.Finding, error) {
	if len(fs) == 0 {
		return nil, nil
	}
	rows := make([]findingRow, len(fs))
	now := t.stamp()
	for i, f := range fs {
		if err := validFinding(f); err != nil {
			return nil, fmt.Errorf("gormstore: create findings: %s/%s: %w", f.NHIID, f.Rule, err)
		}
		if f.OpenedAt.IsZero() {
			f.OpenedAt = now
		}
		if f.UpdatedAt.IsZero() {
			f.UpdatedAt = f.OpenedAt
		}
		f.ID = 0
		rows[i] = findingToRow(f)
	}
	err := t.atomic(ctx, func(t *txn) error {
		return t.conn(ctx).CreateInBatches(&rows, batchSize).Error
	})
	if err != nil {
		return nil, wrap("create findings", err)
	}
	out := make([]store.Finding, len(rows))
	for i, r := range rows {
		out[i] = r.toFinding()
	}
	return out, nil
}

// SaveFindings overwrites the mutable fields of each finding.
func (t *txn) SaveFindings(ctx context.Context, fs []store.Finding) error {
	err := t.atomic(ctx, func(t *txn) error {
		for _, f := range fs {
			if err := validFinding(f); err != nil {
				return fmt.Errorf("finding %d: %w", f.ID, err)
			}
			if f.UpdatedAt.IsZero() {
				f.UpdatedAt = t.stamp()
			}
			r := findingToRow(f)
			res := t.conn(ctx).Model(&findingRow{}).Where("id = ?", f.ID).
				Select("reason", "state", "updated_at", "resolved_at", "ack_by", "ack_justification", "ack_expires_at").
				Updates(&r)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return fmt.Errorf("finding %d: %w", f.ID, store.ErrNotFound)
			}
		}
		return nil
	})
	return wrap("save findings", err)
}

// AddFindingEvents appends history entries in batches.
func (t *txn) AddFindingEvents(ctx context.Context, evs []store.FindingEvent) error {
	if len(evs) == 0 {
		return nil
	}
	rows := make([]findingEventRow, len(evs))
	now := t.stamp()
	for i, e := range evs {
		if e.FindingID == 0 || e.Kind == "" {
			return fmt.Errorf("gormstore: add finding events: finding id and kind are required")
		}
		at := utc(e.At)
		if at.IsZero() {
			at = now
		}
		rows[i] = findingEventRow{FindingID: e.FindingID, At: at, Kind: e.Kind, Actor: e.Actor, Reason: e.Reason}
	}
	err := t.atomic(ctx, func(t *txn) error {
		return t.conn(ctx).CreateInBatches(&rows, batchSize).Error
	})
	return wrap("add finding events", err)
}

// GetFinding returns the finding with id.
func (t *txn) GetFinding(ctx context.Context, id int64) (store.Finding, error) {
	var row findingRow
	if err := t.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return store.Finding{}, wrap(fmt.Sprintf("get finding %d", id), err)
	}
	return row.toFinding(), nil
}

// ListFindings returns matching findings ordered by ID.
func (t *txn) ListFindings(ctx context.Context, q store.FindingQuery) ([]store.Finding, error) {
	db := findingFilter(t.conn(ctx).Model(&findingRow{}), q)
	if q.AfterID > 0 {
		db = db.Where("id > ?", q.AfterID)
	}
	db = db.Limit(pageLimit(q.Limit))
	var rows []findingRow
	if err := db.Order("id").Find(&rows).Error; err != nil {
		return nil, wrap("list findings", err)
	}
	out := make([]store.Finding, len(rows))
	for i, r := range rows {
		out[i] = r.toFinding()
	}
	return out, nil
}

func findingFilter(db *gorm.DB, q store.FindingQuery) *gorm.DB {
	if q.NHIID != "" {
		db = db.Where("nhi_id = ?", q.NHIID)
	}
	if q.Rule != "" {
		db = db.Where("rule = ?", q.Rule)
	}
	if q.States == nil {
		db = db.Where("state <> ?", string(store.FindingResolved))
	} else {
		states := make([]string, len(q.States))
		for i, s := range q.States {
			states[i] = string(s)
		}
		db = db.Where("state IN ?", states)
	}
	return db
}

// CountOpenFindingsByRule counts unresolved findings per rule.
func (t *txn) CountOpenFindingsByRule(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		Rule string
		N    int
	}
	err := t.conn(ctx).Model(&findingRow{}).Select("rule, count(*) AS n").
		Where("state <> ?", string(store.FindingResolved)).Group("rule").Scan(&rows).Error
	if err != nil {
		return nil, wrap("count open findings", err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Rule] = r.N
	}
	return out, nil
}

// ListFindingEvents returns a finding's history, oldest first.
func (t *txn) ListFindingEvents(ctx context.Context, findingID int64) ([]store.FindingEvent, error) {
	var rows []findingEventRow
	if err := t.conn(ctx).Where("finding_id = ?", findingID).Order("id").Find(&rows).Error; err != nil {
		return nil, wrap(fmt.Sprintf("list events of finding %d", findingID), err)
	}
	out := make([]store.FindingEvent, len(rows))
	for i, r := range rows {
		out[i] = store.FindingEvent{ID: r.ID, FindingID: r.FindingID, At: utc(r.At), Kind: r.Kind, Actor: r.Actor, Reason: r.Reason}
	}
	return out, nil
}
