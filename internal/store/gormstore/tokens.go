package gormstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/syncd-dev/syncd/internal/store"
)

type tokenRow struct {
	ID         string `gorm:"primaryKey"`
	Name       string
	Scope      string
	Source     string
	OwnerID    string
	Hash       []byte
	CreatedAt  time.Time `gorm:"autoCreateTime:false"`
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
}

func (tokenRow) TableName() string { return "tokens" }

func (r tokenRow) toToken() store.Token {
	return store.Token{
		ID: r.ID, Name: r.Name, Scopes: splitScopes(r.Scope), Source: r.Source, OwnerID: r.OwnerID, Hash: r.Hash,
		CreatedAt: utc(r.CreatedAt), ExpiresAt: utcPtr(r.ExpiresAt), RevokedAt: utcPtr(r.RevokedAt), LastUsedAt: utcPtr(r.LastUsedAt),
	}
}

// The scope column holds the scopes comma-separated.
func splitScopes(s string) []store.Scope {
	var out []store.Scope
	for _, p := range strings.Split(s, ",") {
		if p != "" {
			out = append(out, store.Scope(p))
		}
	}
	return out
}

func joinScopes(ss []store.Scope) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, ",")
}

// CreateToken stores a token; an empty ID gets a UUIDv7, a zero CreatedAt
// now. A name or hash already in use gives store.ErrConflict.
func (t *txn) CreateToken(ctx context.Context, tok store.Token) (store.Token, error) {
	op := fmt.Sprintf("create token %q", tok.Name)
	switch {
	case tok.Name == "":
		return store.Token{}, errors.New("gormstore: create token: name is required")
	case !store.ValidScopes(tok.Scopes):
		return store.Token{}, fmt.Errorf("gormstore: %s: invalid scopes %q", op, tok.Scopes)
	case len(tok.Hash) == 0:
		return store.Token{}, fmt.Errorf("gormstore: %s: hash is required", op)
	}
	if tok.ID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return store.Token{}, fmt.Errorf("gormstore: %s: %w", op, err)
		}
		tok.ID = id.String()
	}
	if tok.CreatedAt.IsZero() {
		tok.CreatedAt = t.stamp()
	}
	row := tokenRow{
		ID: tok.ID, Name: tok.Name, Scope: joinScopes(tok.Scopes), Source: tok.Source, OwnerID: tok.OwnerID, Hash: tok.Hash,
		CreatedAt: utc(tok.CreatedAt), ExpiresAt: utcPtr(tok.ExpiresAt), RevokedAt: utcPtr(tok.RevokedAt), LastUsedAt: utcPtr(tok.LastUsedAt),
	}
	if err := t.conn(ctx).Create(&row).Error; err != nil {
		return store.Token{}, wrap(op, err)
	}
	return row.toToken(), nil
}

// GetToken returns the token with id.
func (t *txn) GetToken(ctx context.Context, id string) (store.Token, error) {
	var row tokenRow
	if err := t.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return store.Token{}, wrap(fmt.Sprintf("get token %q", id), err)
	}
	return row.toToken(), nil
}

// GetTokenByHash returns the token whose hash is exactly hash, revoked or
// not: the caller decides what a revoked token means.
func (t *txn) GetTokenByHash(ctx context.Context, hash []byte) (store.Token, error) {
	if len(hash) == 0 {
		return store.Token{}, fmt.Errorf("gormstore: get token by hash: %w", store.ErrNotFound)
	}
	var row tokenRow
	if err := t.conn(ctx).Where("hash = ?", hash).Take(&row).Error; err != nil {
		return store.Token{}, wrap("get token by hash", err)
	}
	return row.toToken(), nil
}

// ListTokens returns all tokens ordered by name.
func (t *txn) ListTokens(ctx context.Context) ([]store.Token, error) {
	var rows []tokenRow
	if err := t.conn(ctx).Order("name").Find(&rows).Error; err != nil {
		return nil, wrap("list tokens", err)
	}
	out := make([]store.Token, len(rows))
	for i, r := range rows {
		out[i] = r.toToken()
	}
	return out, nil
}

// RevokeToken revokes the token whose ID, or else name, is idOrName. A
// token already revoked keeps its first revocation time.
func (t *txn) RevokeToken(ctx context.Context, idOrName string, at time.Time) (store.Token, error) {
	op := fmt.Sprintf("revoke token %q", idOrName)
	if at.IsZero() {
		at = t.stamp()
	}
	var out store.Token
	err := t.atomic(ctx, func(t *txn) error {
		var row tokenRow
		err := t.conn(ctx).Where("id = ?", idOrName).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			err = t.conn(ctx).Where("name = ?", idOrName).Take(&row).Error
		}
		if err != nil {
			return err
		}
		if row.RevokedAt == nil {
			row.RevokedAt = utcPtr(&at)
			if err := t.conn(ctx).Model(&tokenRow{}).Where("id = ?", row.ID).Update("revoked_at", *row.RevokedAt).Error; err != nil {
				return err
			}
		}
		out = row.toToken()
		return nil
	})
	if err != nil {
		return store.Token{}, wrap(op, err)
	}
	return out, nil
}

// TouchToken records that token id was used at at.
func (t *txn) TouchToken(ctx context.Context, id string, at time.Time) error {
	op := fmt.Sprintf("touch token %q", id)
	if at.IsZero() {
		at = t.stamp()
	}
	res := t.conn(ctx).Model(&tokenRow{}).Where("id = ?", id).Update("last_used_at", utc(at))
	if res.Error != nil {
		return wrap(op, res.Error)
	}
	if res.RowsAffected == 0 {
		return wrap(op, store.ErrNotFound)
	}
	return nil
}
