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

// ClaimGrantWork leases due grant work. On PostgreSQL the candidates are
// read FOR UPDATE SKIP LOCKED, so concurrent workers take different rows;
// on SQLite the transaction holds the one write lock. Either way each row
// is leased by a guarded UPDATE (the lease still free), so a row is never
// handed to two live workers.
func (t *txn) ClaimGrantWork(ctx context.Context, now, leaseUntil time.Time, token string, limit int) ([]store.Grant, error) {
	if token == "" {
		return nil, errors.New("gormstore: claim grant work: a lease token is required")
	}
	if limit <= 0 {
		limit = defaultLimit
	}
	now, leaseUntil = utc(now), utc(leaseUntil)
	var out []store.Grant
	err := t.atomic(ctx, func(t *txn) error {
		q := t.conn(ctx).Model(&grantRow{}).
			Where("work_due_at IS NOT NULL AND work_due_at <= ? AND (lease_until IS NULL OR lease_until < ?)", now, now).
			Order("work_due_at, id").Limit(limit)
		if t.postgres() {
			q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
		}
		var rows []grantRow
		if err := q.Find(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			res := t.conn(ctx).Model(&grantRow{}).
				Where("id = ? AND work_due_at IS NOT NULL AND (lease_until IS NULL OR lease_until < ?)", r.ID, now).
				Updates(map[string]any{"lease_until": leaseUntil, "lease_token": token})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				continue
			}
			r.LeaseUntil, r.LeaseToken = &leaseUntil, token
			g, err := r.toGrant()
			if err != nil {
				return err
			}
			out = append(out, g)
		}
		return nil
	})
	if err != nil {
		return nil, wrap("claim grant work", err)
	}
	return out, nil
}

// LockHolder locks the person row (SELECT … FOR UPDATE on PostgreSQL; the
// SQLite transaction already holds the database's one write lock).
func (t *txn) LockHolder(ctx context.Context, personID string) error {
	if !t.inTx {
		return errors.New("gormstore: lock holder: only inside a transaction")
	}
	if !t.postgres() {
		return nil
	}
	var id string
	err := t.conn(ctx).Raw("SELECT id FROM persons WHERE id = ? FOR UPDATE", personID).Scan(&id).Error
	if err != nil {
		return wrap("lock holder", err)
	}
	if id == "" {
		return fmt.Errorf("gormstore: lock holder %q: %w", personID, store.ErrNotFound)
	}
	return nil
}

type grantSecretRow struct {
	GrantID   string `gorm:"primaryKey"`
	RequestID string
	Secret    string
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
	TakenAt   *time.Time
}

func (grantSecretRow) TableName() string { return "grant_secrets" }

func (r grantSecretRow) toSecret() store.GrantSecret {
	return store.GrantSecret{GrantID: r.GrantID, RequestID: r.RequestID, Secret: r.Secret, CreatedAt: utc(r.CreatedAt), TakenAt: utcPtr(r.TakenAt)}
}

// PutGrantSecret stores a grant's issued secret; a second secret for the
// same grant is ErrConflict.
func (t *txn) PutGrantSecret(ctx context.Context, s store.GrantSecret) error {
	if s.GrantID == "" || s.Secret == "" {
		return errors.New("gormstore: put grant secret: grant and secret are required")
	}
	if s.CreatedAt.IsZero() {
		s.CreatedAt = t.stamp()
	}
	row := grantSecretRow{GrantID: s.GrantID, RequestID: s.RequestID, Secret: s.Secret, CreatedAt: utc(s.CreatedAt)}
	res := t.conn(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "grant_id"}}, DoNothing: true}).Create(&row)
	if res.Error != nil {
		return wrap("put grant secret", res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("gormstore: put grant secret %q: %w", s.GrantID, store.ErrConflict)
	}
	return nil
}

// GetGrantSecret reads a grant's secret row without taking it.
func (t *txn) GetGrantSecret(ctx context.Context, grantID string) (store.GrantSecret, error) {
	var row grantSecretRow
	if err := t.conn(ctx).Where("grant_id = ?", grantID).Take(&row).Error; err != nil {
		return store.GrantSecret{}, wrap(fmt.Sprintf("get grant secret %q", grantID), err)
	}
	return row.toSecret(), nil
}

// TakeGrantSecret returns the secret once, emptying it under a row lock.
func (t *txn) TakeGrantSecret(ctx context.Context, grantID string, at time.Time) (store.GrantSecret, error) {
	var out store.GrantSecret
	err := t.atomic(ctx, func(t *txn) error {
		var row grantSecretRow
		if err := t.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("grant_id = ?", grantID).Take(&row).Error; err != nil {
			return err
		}
		out = row.toSecret()
		if row.TakenAt != nil {
			out.Secret = ""
			return nil
		}
		taken := utc(at)
		if err := t.conn(ctx).Model(&grantSecretRow{}).Where("grant_id = ?", grantID).
			Updates(map[string]any{"secret": "", "taken_at": taken}).Error; err != nil {
			return err
		}
		out.TakenAt = &taken
		return nil
	})
	if err != nil {
		return store.GrantSecret{}, wrap(fmt.Sprintf("take grant secret %q", grantID), err)
	}
	return out, nil
}

type catalogChangeRow struct {
	ID             string `gorm:"primaryKey"`
	ItemID         string
	BaseVersion    int
	Definition     string
	Retired        bool
	Reasons        string
	Proposer       string
	ProposerPerson string
	State          string
	DecidedBy      string
	DecidedAt      *time.Time
	Comment        string
	AppliedVersion int
	CreatedAt      time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt      time.Time `gorm:"autoUpdateTime:false"`
}

func (catalogChangeRow) TableName() string { return "catalog_changes" }

func changeToRow(c store.CatalogChange) (catalogChangeRow, error) {
	reasons, err := json.Marshal(nonNil(c.Reasons))
	if err != nil {
		return catalogChangeRow{}, err
	}
	return catalogChangeRow{ID: c.ID, ItemID: c.ItemID, BaseVersion: c.BaseVersion, Definition: string(c.Definition), Retired: c.Retired,
		Reasons: string(reasons), Proposer: c.Proposer, ProposerPerson: c.ProposerPerson, State: c.State, DecidedBy: c.DecidedBy,
		DecidedAt: utcPtr(c.DecidedAt), Comment: c.Comment, AppliedVersion: c.AppliedVersion,
		CreatedAt: utc(c.CreatedAt), UpdatedAt: utc(c.UpdatedAt)}, nil
}

func (r catalogChangeRow) toChange() (store.CatalogChange, error) {
	c := store.CatalogChange{ID: r.ID, ItemID: r.ItemID, BaseVersion: r.BaseVersion, Definition: []byte(r.Definition), Retired: r.Retired,
		Proposer: r.Proposer, ProposerPerson: r.ProposerPerson, State: r.State, DecidedBy: r.DecidedBy, DecidedAt: utcPtr(r.DecidedAt),
		Comment: r.Comment, AppliedVersion: r.AppliedVersion, CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt)}
	if err := json.Unmarshal([]byte(r.Reasons), &c.Reasons); err != nil {
		return store.CatalogChange{}, fmt.Errorf("catalog change %s: reasons: %w", r.ID, err)
	}
	return c, nil
}

func validChange(c store.CatalogChange) error {
	switch {
	case c.ItemID == "" || c.Proposer == "":
		return errors.New("item and proposer are required")
	case c.State != store.ChangePending && c.State != store.ChangeApproved && c.State != store.ChangeRejected:
		return fmt.Errorf("invalid state %q", c.State)
	}
	return nil
}

// CreateCatalogChange stores a proposed change; an empty ID gets a UUIDv7.
func (t *txn) CreateCatalogChange(ctx context.Context, c store.CatalogChange) (store.CatalogChange, error) {
	if err := validChange(c); err != nil {
		return store.CatalogChange{}, fmt.Errorf("gormstore: create catalog change: %w", err)
	}
	if c.ID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return store.CatalogChange{}, fmt.Errorf("gormstore: create catalog change: %w", err)
		}
		c.ID = id.String()
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = t.stamp()
	}
	c.UpdatedAt = c.CreatedAt
	row, err := changeToRow(c)
	if err != nil {
		return store.CatalogChange{}, fmt.Errorf("gormstore: create catalog change: %w", err)
	}
	if err := t.conn(ctx).Create(&row).Error; err != nil {
		return store.CatalogChange{}, wrap("create catalog change", err)
	}
	return row.toChange()
}

// GetCatalogChange returns the change with id.
func (t *txn) GetCatalogChange(ctx context.Context, id string) (store.CatalogChange, error) {
	var row catalogChangeRow
	if err := t.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return store.CatalogChange{}, wrap(fmt.Sprintf("get catalog change %q", id), err)
	}
	return row.toChange()
}

// UpdateCatalogChange is a read-modify-write of one change under a row lock.
func (t *txn) UpdateCatalogChange(ctx context.Context, id string, fn func(store.CatalogChange) (store.CatalogChange, error)) (store.CatalogChange, error) {
	var (
		out   store.CatalogChange
		fnErr error
	)
	err := t.atomic(ctx, func(t *txn) error {
		var row catalogChangeRow
		if err := t.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&row).Error; err != nil {
			return err
		}
		old, err := row.toChange()
		if err != nil {
			return err
		}
		var next store.CatalogChange
		if next, fnErr = fn(old); fnErr != nil {
			return fnErr
		}
		next.ID, next.CreatedAt, next.UpdatedAt = old.ID, old.CreatedAt, t.stamp()
		if err := validChange(next); err != nil {
			return err
		}
		if row, err = changeToRow(next); err != nil {
			return err
		}
		if err := t.conn(ctx).Model(&catalogChangeRow{}).Where("id = ?", id).Select("*").Omit("id", "created_at").Updates(&row).Error; err != nil {
			return err
		}
		out, err = row.toChange()
		return err
	})
	if fnErr != nil {
		return store.CatalogChange{}, fnErr
	}
	if err != nil {
		return store.CatalogChange{}, wrap(fmt.Sprintf("update catalog change %q", id), err)
	}
	return out, nil
}

// ListCatalogChanges returns changes in state ("" all), oldest first.
func (t *txn) ListCatalogChanges(ctx context.Context, state string) ([]store.CatalogChange, error) {
	db := t.conn(ctx).Model(&catalogChangeRow{})
	if state != "" {
		db = db.Where("state = ?", state)
	}
	var rows []catalogChangeRow
	if err := db.Order("created_at, id").Limit(1000).Find(&rows).Error; err != nil {
		return nil, wrap("list catalog changes", err)
	}
	out := make([]store.CatalogChange, 0, len(rows))
	for _, r := range rows {
		c, err := r.toChange()
		if err != nil {
			return nil, fmt.Errorf("gormstore: list catalog changes: %w", err)
		}
		out = append(out, c)
	}
	return out, nil
}
