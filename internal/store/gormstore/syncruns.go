package gormstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm/clause"

	"github.com/syncd-dev/syncd/internal/store"
)

type syncRunRow struct {
	ID              int64 `gorm:"primaryKey"`
	Source          string
	Mode            string
	Status          string
	StartedAt       time.Time
	FinishedAt      *time.Time
	ReadCount       int
	CreatedCount    int
	UpdatedCount    int
	UnchangedCount  int
	DisabledCount   int
	TerminatedCount int
	RejectedCount   int
	Watermark       string
	Error           string
	Rejections      string // JSON array
}

func (syncRunRow) TableName() string { return "sync_runs" }

// rejectionJSON is a Rejection as stored; domain types carry no tags.
type rejectionJSON struct {
	ExternalID string `json:"external_id"`
	Reason     string `json:"reason"`
}

func syncRunToRow(r store.SyncRun) (syncRunRow, error) {
	rej := make([]rejectionJSON, len(r.Rejections))
	for i, x := range r.Rejections {
		rej[i] = rejectionJSON(x)
	}
	b, err := json.Marshal(rej)
	if err != nil {
		return syncRunRow{}, err
	}
	c := r.Counts
	return syncRunRow{
		ID: r.ID, Source: r.Source, Mode: r.Mode, Status: string(r.Status),
		StartedAt: utc(r.StartedAt), FinishedAt: utcPtr(r.FinishedAt),
		ReadCount: c.Read, CreatedCount: c.Created, UpdatedCount: c.Updated, UnchangedCount: c.Unchanged,
		DisabledCount: c.Disabled, TerminatedCount: c.Terminated, RejectedCount: c.Rejected,
		Watermark: r.Watermark, Error: r.Error, Rejections: string(b),
	}, nil
}

// toSyncRun converts a row; no rejections come back as nil.
func (r syncRunRow) toSyncRun() (store.SyncRun, error) {
	out := store.SyncRun{
		ID: r.ID, Source: r.Source, Mode: r.Mode, Status: store.RunStatus(r.Status),
		StartedAt: utc(r.StartedAt), FinishedAt: utcPtr(r.FinishedAt),
		Counts: store.RunCounts{
			Read: r.ReadCount, Created: r.CreatedCount, Updated: r.UpdatedCount, Unchanged: r.UnchangedCount,
			Disabled: r.DisabledCount, Terminated: r.TerminatedCount, Rejected: r.RejectedCount,
		},
		Watermark: r.Watermark, Error: r.Error,
	}
	var rej []rejectionJSON
	if r.Rejections != "" {
		if err := json.Unmarshal([]byte(r.Rejections), &rej); err != nil {
			return store.SyncRun{}, fmt.Errorf("sync run %d: decode rejections: %w", r.ID, err)
		}
	}
	for _, x := range rej {
		out.Rejections = append(out.Rejections, store.Rejection(x))
	}
	return out, nil
}

// CreateSyncRun records a new run; the ID is assigned, StartedAt defaults
// to now and Status to running.
func (t *txn) CreateSyncRun(ctx context.Context, r store.SyncRun) (store.SyncRun, error) {
	if r.Source == "" {
		return store.SyncRun{}, fmt.Errorf("gormstore: create sync run: source is required")
	}
	r.ID = 0
	if r.StartedAt.IsZero() {
		r.StartedAt = t.stamp()
	}
	if r.Status == "" {
		r.Status = store.RunRunning
	}
	row, err := syncRunToRow(r)
	if err != nil {
		return store.SyncRun{}, fmt.Errorf("gormstore: create sync run: %w", err)
	}
	if err := t.conn(ctx).Create(&row).Error; err != nil {
		return store.SyncRun{}, wrap("create sync run", err)
	}
	out, err := row.toSyncRun()
	if err != nil {
		return store.SyncRun{}, wrap("create sync run", err)
	}
	return out, nil
}

// UpdateSyncRun reads the run under a row lock, applies fn and writes the
// result; fn's error aborts and is returned as is. fn may not change the ID.
func (t *txn) UpdateSyncRun(ctx context.Context, id int64, fn func(store.SyncRun) (store.SyncRun, error)) (store.SyncRun, error) {
	op := fmt.Sprintf("update sync run %d", id)
	var (
		out   store.SyncRun
		fnErr error
	)
	err := t.atomic(ctx, func(t *txn) error {
		var row syncRunRow
		if err := t.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&row).Error; err != nil {
			return err
		}
		old, err := row.toSyncRun()
		if err != nil {
			return err
		}
		var next store.SyncRun
		if next, fnErr = fn(old); fnErr != nil {
			return fnErr
		}
		next.ID = id
		if row, err = syncRunToRow(next); err != nil {
			return err
		}
		if err := t.conn(ctx).Model(&syncRunRow{}).Where("id = ?", id).Select("*").Omit("id").Updates(&row).Error; err != nil {
			return err
		}
		out, err = row.toSyncRun()
		return err
	})
	if fnErr != nil {
		return store.SyncRun{}, fnErr
	}
	if err != nil {
		return store.SyncRun{}, wrap(op, err)
	}
	return out, nil
}

// GetSyncRun returns the run with id.
func (t *txn) GetSyncRun(ctx context.Context, id int64) (store.SyncRun, error) {
	op := fmt.Sprintf("get sync run %d", id)
	var row syncRunRow
	if err := t.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return store.SyncRun{}, wrap(op, err)
	}
	out, err := row.toSyncRun()
	if err != nil {
		return store.SyncRun{}, wrap(op, err)
	}
	return out, nil
}

// ListSyncRuns returns the newest runs first, of source or of all sources
// when it is "", at most limit (100 when 0 or less).
func (t *txn) ListSyncRuns(ctx context.Context, source string, limit int) ([]store.SyncRun, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	db := t.conn(ctx)
	if source != "" {
		db = db.Where("source = ?", source)
	}
	var rows []syncRunRow
	if err := db.Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap("list sync runs", err)
	}
	out := make([]store.SyncRun, len(rows))
	for i, r := range rows {
		run, err := r.toSyncRun()
		if err != nil {
			return nil, wrap("list sync runs", err)
		}
		out[i] = run
	}
	return out, nil
}
