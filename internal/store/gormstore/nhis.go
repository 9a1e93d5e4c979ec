package gormstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/syncd-dev/syncd/internal/store"
)

var _ store.NHITx = (*txn)(nil)

type nhiRow struct {
	ID          string `gorm:"primaryKey"`
	Kind        string
	Name        string
	Source      string
	ExternalID  string
	Environment string
	OwnerID     string
	OwnerRef    string
	// SourceOwnerRef is the owner the source last asserted.
	SourceOwnerRef string
	CoOwnerIDs     string `gorm:"column:co_owner_ids"` // JSON array
	OwningTeam     string
	ProjectID      string
	Status         string
	Description    string
	CreatedAt      time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt      time.Time `gorm:"autoUpdateTime:false"`
	ExpiresAt      *time.Time
	RotatedAt      *time.Time
	LastUsedAt     *time.Time
}

func (nhiRow) TableName() string { return "nhis" }

func nhiToRow(n store.NHI) (nhiRow, error) {
	co, err := json.Marshal(nonNil(n.CoOwnerIDs))
	if err != nil {
		return nhiRow{}, err
	}
	return nhiRow{
		ID: n.ID, Kind: string(n.Kind), Name: n.Name, Source: n.Source, ExternalID: n.ExternalID,
		Environment: n.Environment, OwnerID: n.OwnerID, OwnerRef: n.OwnerRef, SourceOwnerRef: n.SourceOwnerRef, CoOwnerIDs: string(co),
		OwningTeam: n.OwningTeam, ProjectID: n.ProjectID, Status: string(n.Status), Description: n.Description,
		CreatedAt: utc(n.CreatedAt), UpdatedAt: utc(n.UpdatedAt),
		ExpiresAt: utcPtr(n.ExpiresAt), RotatedAt: utcPtr(n.RotatedAt), LastUsedAt: utcPtr(n.LastUsedAt),
	}, nil
}

// toNHI converts a row; no co-owners come back as nil.
func (r nhiRow) toNHI() (store.NHI, error) {
	n := store.NHI{
		ID: r.ID, Kind: store.NHIKind(r.Kind), Name: r.Name, Source: r.Source, ExternalID: r.ExternalID,
		Environment: r.Environment, OwnerID: r.OwnerID, OwnerRef: r.OwnerRef, SourceOwnerRef: r.SourceOwnerRef,
		OwningTeam: r.OwningTeam, ProjectID: r.ProjectID, Status: store.NHIStatus(r.Status), Description: r.Description,
		CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt),
		ExpiresAt: utcPtr(r.ExpiresAt), RotatedAt: utcPtr(r.RotatedAt), LastUsedAt: utcPtr(r.LastUsedAt),
	}
	if r.CoOwnerIDs != "" && r.CoOwnerIDs != "[]" { // the common case skips a JSON decode per row
		if err := json.Unmarshal([]byte(r.CoOwnerIDs), &n.CoOwnerIDs); err != nil {
			return store.NHI{}, fmt.Errorf("nhi %s: decode co-owners: %w", r.ID, err)
		}
	}
	if len(n.CoOwnerIDs) == 0 {
		n.CoOwnerIDs = nil
	}
	return n, nil
}

func validNHI(n store.NHI) error {
	switch {
	case n.Name == "" || n.Source == "":
		return fmt.Errorf("name and source are required")
	case !n.Kind.Valid():
		return fmt.Errorf("invalid kind %q", n.Kind)
	case n.Status != store.NHIActive && n.Status != store.NHIDisabled && n.Status != store.NHIRetired:
		return fmt.Errorf("invalid status %q", n.Status)
	}
	return nil
}

// CreateNHI inserts n; an empty ID gets a UUIDv7, an empty status
// "active", zero times now. A duplicate (Source, ExternalID) or (Source,
// Name) gives store.ErrConflict.
func (t *txn) CreateNHI(ctx context.Context, n store.NHI) (store.NHI, error) {
	op := fmt.Sprintf("create nhi %q", n.Name)
	if n.Status == "" {
		n.Status = store.NHIActive
	}
	if err := validNHI(n); err != nil {
		return store.NHI{}, fmt.Errorf("gormstore: %s: %w", op, err)
	}
	if n.ID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return store.NHI{}, fmt.Errorf("gormstore: %s: %w", op, err)
		}
		n.ID = id.String()
	}
	if n.CreatedAt.IsZero() {
		n.CreatedAt = t.stamp()
	}
	if n.UpdatedAt.IsZero() {
		n.UpdatedAt = n.CreatedAt
	}
	row, err := nhiToRow(n)
	if err != nil {
		return store.NHI{}, fmt.Errorf("gormstore: %s: %w", op, err)
	}
	if err := t.conn(ctx).Create(&row).Error; err != nil {
		return store.NHI{}, wrap(op, err)
	}
	out, err := row.toNHI()
	return out, wrap(op, err)
}

// GetNHI returns the NHI with id.
func (t *txn) GetNHI(ctx context.Context, id string) (store.NHI, error) {
	return t.takeNHI(ctx, fmt.Sprintf("get nhi %q", id), t.conn(ctx).Where("id = ?", id))
}

// GetNHIByExternalID returns the NHI of source with externalID.
func (t *txn) GetNHIByExternalID(ctx context.Context, source, externalID string) (store.NHI, error) {
	op := fmt.Sprintf("get nhi %s/%s", source, externalID)
	if externalID == "" {
		return store.NHI{}, wrap(op, store.ErrNotFound)
	}
	return t.takeNHI(ctx, op, t.conn(ctx).Where("source = ? AND external_id = ?", source, externalID))
}

func (t *txn) takeNHI(_ context.Context, op string, db *gorm.DB) (store.NHI, error) {
	var row nhiRow
	if err := db.Take(&row).Error; err != nil {
		return store.NHI{}, wrap(op, err)
	}
	n, err := row.toNHI()
	if err != nil {
		return store.NHI{}, wrap(op, err)
	}
	return n, nil
}

// UpdateNHI reads the NHI under a row lock, applies fn and writes the
// result. fn may not change ID or CreatedAt; UpdatedAt is set to now unless
// fn set it. fn's error is returned as is.
func (t *txn) UpdateNHI(ctx context.Context, id string, fn func(store.NHI) (store.NHI, error)) (store.NHI, error) {
	var (
		out   store.NHI
		fnErr error
	)
	err := t.atomic(ctx, func(t *txn) error {
		var row nhiRow
		if err := t.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&row).Error; err != nil {
			return err
		}
		old, err := row.toNHI()
		if err != nil {
			return err
		}
		var next store.NHI
		if next, fnErr = fn(old); fnErr != nil {
			return fnErr
		}
		next.ID, next.CreatedAt = old.ID, old.CreatedAt
		if err := validNHI(next); err != nil {
			return err
		}
		if next.UpdatedAt.Equal(old.UpdatedAt) || next.UpdatedAt.IsZero() {
			next.UpdatedAt = t.stamp()
		}
		if row, err = nhiToRow(next); err != nil {
			return err
		}
		if err := t.conn(ctx).Model(&nhiRow{}).Where("id = ?", id).Select("*").Omit("id", "created_at").Updates(&row).Error; err != nil {
			return err
		}
		out, err = row.toNHI()
		return err
	})
	if fnErr != nil {
		return store.NHI{}, fnErr
	}
	if err != nil {
		return store.NHI{}, wrap(fmt.Sprintf("update nhi %q", id), err)
	}
	return out, nil
}

// ListNHIs returns the NHIs matching q ordered by ID, a page of q.Limit
// (default 100) after q.AfterID.
func (t *txn) ListNHIs(ctx context.Context, q store.NHIQuery) ([]store.NHI, error) {
	limit := pageLimit(q.Limit)
	db := nhiFilter(t.conn(ctx).Model(&nhiRow{}), q)
	if q.AfterID != "" {
		db = db.Where("id > ?", q.AfterID)
	}
	var rows []nhiRow
	if err := db.Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap("list nhis", err)
	}
	out := make([]store.NHI, len(rows))
	for i, r := range rows {
		n, err := r.toNHI()
		if err != nil {
			return nil, wrap("list nhis", err)
		}
		out[i] = n
	}
	return out, nil
}

// CountNHIs counts the NHIs matching q, ignoring its pagination.
func (t *txn) CountNHIs(ctx context.Context, q store.NHIQuery) (int, error) {
	var n int64
	if err := nhiFilter(t.conn(ctx).Model(&nhiRow{}), q).Count(&n).Error; err != nil {
		return 0, wrap("count nhis", err)
	}
	return int(n), nil
}

// nhiFilter adds q's filters; Text is a case-insensitive substring of the
// name, external id or description.
func nhiFilter(db *gorm.DB, q store.NHIQuery) *gorm.DB {
	eq := []struct{ col, v string }{
		{"kind", string(q.Kind)}, {"environment", q.Environment}, {"owner_id", q.OwnerID},
		{"project_id", q.ProjectID}, {"source", q.Source}, {"status", string(q.Status)},
	}
	for _, f := range eq {
		if f.v != "" {
			db = db.Where(f.col+" = ?", f.v)
		}
	}
	if q.Text != "" {
		db = db.Where(`(lower(name) LIKE lower(@p) ESCAPE '\' OR lower(external_id) LIKE lower(@p) ESCAPE '\'`+
			` OR lower(description) LIKE lower(@p) ESCAPE '\')`, map[string]any{"p": "%" + likeEscaper.Replace(q.Text) + "%"})
	}
	return db
}
