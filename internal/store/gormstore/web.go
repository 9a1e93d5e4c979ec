package gormstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm/clause"

	"github.com/syncd-dev/syncd/internal/store"
)

var _ store.WebTx = (*txn)(nil)

type webSessionRow struct {
	IDHash     string `gorm:"primaryKey"`
	PersonID   string
	OIDCSID    string `gorm:"column:oidc_sid"`
	Data       []byte
	CreatedAt  time.Time `gorm:"autoCreateTime:false"`
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

func (webSessionRow) TableName() string { return "web_sessions" }

func (r webSessionRow) toSession() store.WebSession {
	return store.WebSession{
		IDHash: r.IDHash, PersonID: r.PersonID, SID: r.OIDCSID, Data: r.Data,
		CreatedAt: utc(r.CreatedAt), LastSeenAt: utc(r.LastSeenAt), ExpiresAt: utc(r.ExpiresAt),
	}
}

func sessionRow(s store.WebSession) webSessionRow {
	return webSessionRow{
		IDHash: s.IDHash, PersonID: s.PersonID, OIDCSID: s.SID, Data: s.Data,
		CreatedAt: utc(s.CreatedAt), LastSeenAt: utc(s.LastSeenAt), ExpiresAt: utc(s.ExpiresAt),
	}
}

// CreateWebSession stores a new session; zero CreatedAt and LastSeenAt
// become now. A duplicate id hash gives store.ErrConflict.
func (t *txn) CreateWebSession(ctx context.Context, s store.WebSession) (store.WebSession, error) {
	const op = "create web session"
	if s.IDHash == "" || s.ExpiresAt.IsZero() {
		return store.WebSession{}, errors.New("gormstore: create web session: id hash and expiry are required")
	}
	if s.CreatedAt.IsZero() {
		s.CreatedAt = t.stamp()
	}
	if s.LastSeenAt.IsZero() {
		s.LastSeenAt = s.CreatedAt
	}
	row := sessionRow(s)
	if err := t.conn(ctx).Create(&row).Error; err != nil {
		return store.WebSession{}, wrap(op, err)
	}
	return row.toSession(), nil
}

// GetWebSession returns the session with idHash, expired or not: expiry
// is the auth package's decision.
func (t *txn) GetWebSession(ctx context.Context, idHash string) (store.WebSession, error) {
	var row webSessionRow
	if err := t.conn(ctx).Where("id_hash = ?", idHash).Take(&row).Error; err != nil {
		return store.WebSession{}, wrap("get web session", err)
	}
	return row.toSession(), nil
}

// UpdateWebSession writes the session's person, data and times.
func (t *txn) UpdateWebSession(ctx context.Context, s store.WebSession) (store.WebSession, error) {
	const op = "update web session"
	row := sessionRow(s)
	res := t.conn(ctx).Model(&webSessionRow{}).Where("id_hash = ?", s.IDHash).
		Select("person_id", "oidc_sid", "data", "last_seen_at", "expires_at").Updates(&row)
	if res.Error != nil {
		return store.WebSession{}, wrap(op, res.Error)
	}
	if res.RowsAffected == 0 {
		return store.WebSession{}, wrap(op, store.ErrNotFound)
	}
	return t.GetWebSession(ctx, s.IDHash)
}

// DeleteWebSession removes the session; a missing one is not an error.
func (t *txn) DeleteWebSession(ctx context.Context, idHash string) error {
	return wrap("delete web session", t.conn(ctx).Where("id_hash = ?", idHash).Delete(&webSessionRow{}).Error)
}

// DeleteWebSessionsBefore removes sessions past their absolute expiry or
// idle since before lastSeenBefore.
func (t *txn) DeleteWebSessionsBefore(ctx context.Context, expiresBefore, lastSeenBefore time.Time) (int, error) {
	res := t.conn(ctx).Where("expires_at < ? OR last_seen_at < ?", utc(expiresBefore), utc(lastSeenBefore)).Delete(&webSessionRow{})
	if res.Error != nil {
		return 0, wrap("delete expired web sessions", res.Error)
	}
	return int(res.RowsAffected), nil
}

type oidcIdentityRow struct {
	Issuer      string `gorm:"primaryKey"`
	Subject     string `gorm:"primaryKey"`
	PersonID    string
	LinkedBy    string
	LinkedValue string
	CreatedAt   time.Time `gorm:"autoCreateTime:false"`
	LastLoginAt time.Time
}

func (oidcIdentityRow) TableName() string { return "oidc_identities" }

func (r oidcIdentityRow) toIdentity() store.OIDCIdentity {
	return store.OIDCIdentity{
		Issuer: r.Issuer, Subject: r.Subject, PersonID: r.PersonID, LinkedBy: r.LinkedBy, LinkedValue: r.LinkedValue,
		CreatedAt: utc(r.CreatedAt), LastLoginAt: utc(r.LastLoginAt),
	}
}

// GetOIDCIdentity returns the identity for (issuer, subject).
func (t *txn) GetOIDCIdentity(ctx context.Context, issuer, subject string) (store.OIDCIdentity, error) {
	var row oidcIdentityRow
	if err := t.conn(ctx).Where("issuer = ? AND subject = ?", issuer, subject).Take(&row).Error; err != nil {
		return store.OIDCIdentity{}, wrap(fmt.Sprintf("get oidc identity %s|%s", issuer, subject), err)
	}
	return row.toIdentity(), nil
}

// PutOIDCIdentity creates or replaces the identity; zero times become now.
// A person that does not exist gives store.ErrNotFound.
func (t *txn) PutOIDCIdentity(ctx context.Context, id store.OIDCIdentity) (store.OIDCIdentity, error) {
	op := fmt.Sprintf("put oidc identity %s|%s", id.Issuer, id.Subject)
	if id.Issuer == "" || id.Subject == "" || id.PersonID == "" {
		return store.OIDCIdentity{}, fmt.Errorf("gormstore: %s: issuer, subject and person are required", op)
	}
	now := t.stamp()
	if id.CreatedAt.IsZero() {
		id.CreatedAt = now
	}
	if id.LastLoginAt.IsZero() {
		id.LastLoginAt = now
	}
	row := oidcIdentityRow{
		Issuer: id.Issuer, Subject: id.Subject, PersonID: id.PersonID, LinkedBy: id.LinkedBy, LinkedValue: id.LinkedValue,
		CreatedAt: utc(id.CreatedAt), LastLoginAt: utc(id.LastLoginAt),
	}
	err := t.conn(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "issuer"}, {Name: "subject"}},
		DoUpdates: clause.AssignmentColumns([]string{"person_id", "linked_by", "linked_value", "last_login_at"}),
	}).Create(&row).Error
	if err != nil {
		return store.OIDCIdentity{}, wrap(op, err)
	}
	return t.GetOIDCIdentity(ctx, id.Issuer, id.Subject)
}
