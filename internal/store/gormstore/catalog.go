package gormstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

type catalogItemRow struct {
	ItemID     string `gorm:"primaryKey"`
	Version    int    `gorm:"primaryKey;autoIncrement:false"`
	Definition string
	Author     string
	Retired    bool
	CreatedAt  time.Time `gorm:"autoCreateTime:false"`
}

func (catalogItemRow) TableName() string { return "catalog_items" }

func (r catalogItemRow) toVersion() store.CatalogItemVersion {
	return store.CatalogItemVersion{
		ItemID: r.ItemID, Version: r.Version, Definition: []byte(r.Definition),
		Author: r.Author, Retired: r.Retired, CreatedAt: utc(r.CreatedAt),
	}
}

// PutCatalogItem stores v as the item's next version. The version is read
// and written in this transaction; the primary key (item_id, version)
// turns a concurrent writer of the same version into store.ErrConflict.
func (t *txn) PutCatalogItem(ctx context.Context, v store.CatalogItemVersion) (store.CatalogItemVersion, error) {
	op := fmt.Sprintf("put catalog item %q", v.ItemID)
	if v.ItemID == "" {
		return store.CatalogItemVersion{}, errors.New("gormstore: put catalog item: item id is required")
	}
	var last int
	if err := t.conn(ctx).Model(&catalogItemRow{}).Where("item_id = ?", v.ItemID).
		Select("COALESCE(MAX(version), 0)").Scan(&last).Error; err != nil {
		return store.CatalogItemVersion{}, wrap(op, err)
	}
	if v.CreatedAt.IsZero() {
		v.CreatedAt = t.stamp()
	}
	row := catalogItemRow{
		ItemID: v.ItemID, Version: last + 1, Definition: string(v.Definition),
		Author: v.Author, Retired: v.Retired, CreatedAt: utc(v.CreatedAt),
	}
	if err := t.conn(ctx).Create(&row).Error; err != nil {
		return store.CatalogItemVersion{}, wrap(op, err)
	}
	return row.toVersion(), nil
}

// ListCatalogItems returns the latest version of every item, by item ID.
func (t *txn) ListCatalogItems(ctx context.Context) ([]store.CatalogItemVersion, error) {
	var rows []catalogItemRow
	err := t.conn(ctx).Where("version = (SELECT MAX(v.version) FROM catalog_items v WHERE v.item_id = catalog_items.item_id)").
		Order("item_id").Find(&rows).Error
	if err != nil {
		return nil, wrap("list catalog items", err)
	}
	return toVersions(rows), nil
}

// ListCatalogItemVersions returns every version of itemID, oldest first.
func (t *txn) ListCatalogItemVersions(ctx context.Context, itemID string) ([]store.CatalogItemVersion, error) {
	var rows []catalogItemRow
	if err := t.conn(ctx).Where("item_id = ?", itemID).Order("version").Find(&rows).Error; err != nil {
		return nil, wrap(fmt.Sprintf("list catalog item %q versions", itemID), err)
	}
	return toVersions(rows), nil
}

func toVersions(rows []catalogItemRow) []store.CatalogItemVersion {
	out := make([]store.CatalogItemVersion, len(rows))
	for i, r := range rows {
		out[i] = r.toVersion()
	}
	return out
}
