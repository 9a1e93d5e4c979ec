package gormstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gorm.io/gorm/clause"

	"github.com/syncd-dev/syncd/internal/store"
)

var _ store.PullTx = (*txn)(nil)

type sourceStateRow struct {
	Source     string `gorm:"primaryKey"`
	Watermark  string
	LastFullAt *time.Time
	UpdatedAt  time.Time `gorm:"autoUpdateTime:false"`
}

func (sourceStateRow) TableName() string { return "source_states" }

type leaseRow struct {
	Name      string `gorm:"primaryKey"`
	Holder    string
	ExpiresAt time.Time
}

func (leaseRow) TableName() string { return "job_leases" }

// GetSourceState returns the state of source.
func (t *txn) GetSourceState(ctx context.Context, source string) (store.SourceState, error) {
	var row sourceStateRow
	if err := t.conn(ctx).Where("source = ?", source).Take(&row).Error; err != nil {
		return store.SourceState{}, wrap(fmt.Sprintf("get source state %q", source), err)
	}
	return store.SourceState{Source: row.Source, Watermark: row.Watermark, LastFullAt: utcPtr(row.LastFullAt), UpdatedAt: utc(row.UpdatedAt)}, nil
}

// PutSourceState upserts s; a zero UpdatedAt becomes now.
func (t *txn) PutSourceState(ctx context.Context, s store.SourceState) (store.SourceState, error) {
	op := fmt.Sprintf("put source state %q", s.Source)
	if s.Source == "" {
		return store.SourceState{}, fmt.Errorf("gormstore: %s: source is required", op)
	}
	if s.UpdatedAt.IsZero() {
		s.UpdatedAt = t.stamp()
	}
	row := sourceStateRow{Source: s.Source, Watermark: s.Watermark, LastFullAt: utcPtr(s.LastFullAt), UpdatedAt: utc(s.UpdatedAt)}
	err := t.conn(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "source"}},
		DoUpdates: clause.AssignmentColumns([]string{"watermark", "last_full_at", "updated_at"}),
	}).Create(&row).Error
	if err != nil {
		return store.SourceState{}, wrap(op, err)
	}
	return store.SourceState{Source: row.Source, Watermark: row.Watermark, LastFullAt: row.LastFullAt, UpdatedAt: row.UpdatedAt}, nil
}

// ListLinkKeys pages through the links of source by external id. The
// narrow projection is scanned row by row without gorm's reflection (a
// full pull reads every link of the source): the DN comes out of the
// attributes in SQL, so no row's JSON is decoded in Go, and the document
// only where no digest is stored.
func (t *txn) ListLinkKeys(ctx context.Context, source, after string, limit int) ([]store.LinkKey, error) {
	op := fmt.Sprintf("list link keys %s", source)
	if limit <= 0 {
		limit = defaultLimit
	}
	rows, err := t.conn(ctx).Table("source_links").Select("external_id, person_id, "+t.jsonAttrLiteral("dn")+" AS dn, raw_digest, CASE WHEN raw_digest IS NULL THEN raw END AS raw").
		Where("source = ? AND external_id > ?", source, after).
		Order("external_id").Limit(limit).Rows()
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out := make([]store.LinkKey, 0, min(limit, 5000))
	for rows.Next() {
		var (
			k          store.LinkKey
			dn, digest sql.NullString
			raw        []byte
		)
		if err := rows.Scan(&k.ExternalID, &k.PersonID, &dn, &digest, &raw); err != nil {
			return nil, wrap(op, err)
		}
		k.DN = dn.String
		if digest.Valid {
			k.RawDigest = digest.String
		} else if len(raw) > 0 {
			k.Raw = raw
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// AcquireLease inserts the lease, or takes it over when holder already
// holds it or it has expired. Both statements are single-row and atomic on
// either database, so two replicas racing for it cannot both win.
func (t *txn) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	op := fmt.Sprintf("acquire lease %q", name)
	if name == "" || holder == "" || ttl <= 0 {
		return false, fmt.Errorf("gormstore: %s: name, holder and a positive ttl are required", op)
	}
	now = utc(now)
	until := now.Add(ttl)
	res := t.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&leaseRow{Name: name, Holder: holder, ExpiresAt: until})
	if res.Error != nil {
		return false, wrap(op, res.Error)
	}
	if res.RowsAffected == 1 {
		return true, nil
	}
	res = t.conn(ctx).Model(&leaseRow{}).
		Where("name = ? AND (holder = ? OR expires_at <= ?)", name, holder, now).
		Updates(map[string]any{"holder": holder, "expires_at": until})
	if res.Error != nil {
		return false, wrap(op, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ReleaseLease deletes the lease when holder holds it.
func (t *txn) ReleaseLease(ctx context.Context, name, holder string) error {
	err := t.conn(ctx).Where("name = ? AND holder = ?", name, holder).Delete(&leaseRow{}).Error
	return wrap(fmt.Sprintf("release lease %q", name), err)
}
