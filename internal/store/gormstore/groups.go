package gormstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/syncd-dev/syncd/internal/store"
)

var _ store.GroupTx = (*txn)(nil)

type groupRow struct {
	ID          string `gorm:"primaryKey"`
	Source      string
	ExternalID  string
	DisplayName string
	Description string
	Raw         []byte
	Version     int64
	CreatedAt   time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt   time.Time `gorm:"autoUpdateTime:false"`
}

func (groupRow) TableName() string { return "source_groups" }

type memberRow struct {
	GroupID  string `gorm:"primaryKey"`
	PersonID string `gorm:"primaryKey"`
}

func (memberRow) TableName() string { return "group_members" }

func groupToRow(g store.Group) groupRow {
	return groupRow{
		ID: g.ID, Source: g.Source, ExternalID: g.ExternalID, DisplayName: g.DisplayName,
		Description: g.Description, Raw: g.Raw, Version: g.Version, CreatedAt: utc(g.CreatedAt), UpdatedAt: utc(g.UpdatedAt),
	}
}

func (r groupRow) toGroup() store.Group {
	g := store.Group{
		ID: r.ID, Source: r.Source, ExternalID: r.ExternalID, DisplayName: r.DisplayName,
		Description: r.Description, Version: r.Version, CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt),
	}
	if len(r.Raw) > 0 {
		g.Raw = r.Raw
	}
	return g
}

func groupsFromRows(rows []groupRow) []store.Group {
	out := make([]store.Group, len(rows))
	for i, r := range rows {
		out[i] = r.toGroup()
	}
	return out
}

// CreateGroup inserts g; an empty ID gets a UUIDv7, zero times now. A
// source's external ids and (case-insensitive) display names are unique.
func (t *txn) CreateGroup(ctx context.Context, g store.Group) (store.Group, error) {
	op := fmt.Sprintf("create group %q", g.DisplayName)
	if g.Source == "" || g.DisplayName == "" {
		return store.Group{}, fmt.Errorf("gormstore: %s: source and display name are required", op)
	}
	if g.ID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return store.Group{}, fmt.Errorf("gormstore: %s: %w", op, err)
		}
		g.ID = id.String()
	}
	if g.CreatedAt.IsZero() {
		g.CreatedAt = t.stamp()
	}
	if g.UpdatedAt.IsZero() {
		g.UpdatedAt = g.CreatedAt
	}
	g.Version = 1
	row := groupToRow(g)
	if err := t.conn(ctx).Create(&row).Error; err != nil {
		return store.Group{}, wrap(op, err)
	}
	return row.toGroup(), nil
}

// GetGroup returns the group with id.
func (t *txn) GetGroup(ctx context.Context, id string) (store.Group, error) {
	var row groupRow
	if err := t.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return store.Group{}, wrap(fmt.Sprintf("get group %q", id), err)
	}
	return row.toGroup(), nil
}

// GetGroupByExternalID returns the group of source with externalID.
func (t *txn) GetGroupByExternalID(ctx context.Context, source, externalID string) (store.Group, error) {
	op := fmt.Sprintf("get group %s/%s", source, externalID)
	if externalID == "" {
		return store.Group{}, wrap(op, store.ErrNotFound)
	}
	var row groupRow
	if err := t.conn(ctx).Where("source = ? AND external_id = ?", source, externalID).Take(&row).Error; err != nil {
		return store.Group{}, wrap(op, err)
	}
	return row.toGroup(), nil
}

// UpdateGroup reads the group under a row lock, applies fn and writes the
// result. fn may not change ID, Source or CreatedAt; UpdatedAt is set to
// now unless fn set it. fn's error is returned as is.
func (t *txn) UpdateGroup(ctx context.Context, id string, fn func(store.Group) (store.Group, error)) (store.Group, error) {
	var (
		out   store.Group
		fnErr error
	)
	err := t.atomic(ctx, func(t *txn) error {
		var row groupRow
		if err := t.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&row).Error; err != nil {
			return err
		}
		old := row.toGroup()
		var next store.Group
		if next, fnErr = fn(old); fnErr != nil {
			return fnErr
		}
		next.ID, next.Source, next.CreatedAt = old.ID, old.Source, old.CreatedAt
		next.Version = old.Version + 1
		if next.UpdatedAt.Equal(old.UpdatedAt) || next.UpdatedAt.IsZero() {
			next.UpdatedAt = t.stamp()
		}
		row = groupToRow(next)
		if err := t.conn(ctx).Model(&groupRow{}).Where("id = ?", id).Select("*").Omit("id", "source", "created_at").Updates(&row).Error; err != nil {
			return err
		}
		out = row.toGroup()
		return nil
	})
	if fnErr != nil {
		return store.Group{}, fnErr
	}
	if err != nil {
		return store.Group{}, wrap(fmt.Sprintf("update group %q", id), err)
	}
	return out, nil
}

// DeleteGroup removes the group and its memberships.
func (t *txn) DeleteGroup(ctx context.Context, id string) error {
	op := fmt.Sprintf("delete group %q", id)
	err := t.atomic(ctx, func(t *txn) error {
		if err := t.conn(ctx).Where("group_id = ?", id).Delete(&memberRow{}).Error; err != nil {
			return err
		}
		if err := t.conn(ctx).Where("group_id = ?", id).Delete(&nhiMemberRow{}).Error; err != nil {
			return err
		}
		res := t.conn(ctx).Where("id = ?", id).Delete(&groupRow{})
		if res.Error == nil && res.RowsAffected == 0 {
			return store.ErrNotFound
		}
		return res.Error
	})
	return wrap(op, err)
}

// ListGroups returns the groups matching q ordered by ID, a page of q.Limit
// (default 100) after q.AfterID.
func (t *txn) ListGroups(ctx context.Context, q store.GroupQuery) ([]store.Group, error) {
	limit := pageLimit(q.Limit)
	db := groupFilter(t.conn(ctx).Model(&groupRow{}), q)
	if q.AfterID != "" {
		db = db.Where("id > ?", q.AfterID)
	}
	var rows []groupRow
	if err := db.Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap("list groups", err)
	}
	return groupsFromRows(rows), nil
}

// CountGroups counts the groups matching q, ignoring its pagination.
func (t *txn) CountGroups(ctx context.Context, q store.GroupQuery) (int, error) {
	var n int64
	if err := groupFilter(t.conn(ctx).Model(&groupRow{}), q).Count(&n).Error; err != nil {
		return 0, wrap("count groups", err)
	}
	return int(n), nil
}

func groupFilter(db *gorm.DB, q store.GroupQuery) *gorm.DB {
	if q.Source != "" {
		db = db.Where("source = ?", q.Source)
	}
	if q.DisplayName != "" {
		db = db.Where("lower(display_name) = lower(?)", q.DisplayName)
	}
	return db
}

// AddGroupMembers adds persons to the group; existing members are kept. An
// unknown group or person gives store.ErrNotFound.
func (t *txn) AddGroupMembers(ctx context.Context, groupID string, personIDs []string) error {
	err := t.atomic(ctx, func(t *txn) error {
		if err := t.lockGroup(ctx, groupID); err != nil {
			return err
		}
		n, err := t.insertMembers(ctx, groupID, personIDs)
		if err != nil || n == 0 {
			return err
		}
		return t.touchGroup(ctx, groupID)
	})
	return wrap(fmt.Sprintf("add members to group %q", groupID), err)
}

// RemoveGroupMembers removes persons from the group; non-members are
// ignored. An unknown group gives store.ErrNotFound.
func (t *txn) RemoveGroupMembers(ctx context.Context, groupID string, personIDs []string) error {
	err := t.atomic(ctx, func(t *txn) error {
		if err := t.lockGroup(ctx, groupID); err != nil {
			return err
		}
		if len(personIDs) == 0 {
			return nil
		}
		res := t.conn(ctx).Where("group_id = ? AND person_id IN ?", groupID, personIDs).Delete(&memberRow{})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return t.touchGroup(ctx, groupID)
	})
	return wrap(fmt.Sprintf("remove members from group %q", groupID), err)
}

// SetGroupMembers replaces the group's member list.
func (t *txn) SetGroupMembers(ctx context.Context, groupID string, personIDs []string) error {
	err := t.atomic(ctx, func(t *txn) error {
		if err := t.lockGroup(ctx, groupID); err != nil {
			return err
		}
		var current []string
		if err := t.conn(ctx).Model(&memberRow{}).Where("group_id = ?", groupID).Order("person_id").Pluck("person_id", &current).Error; err != nil {
			return err
		}
		want := uniqueSorted(personIDs)
		if slices.Equal(current, want) {
			return nil
		}
		if err := t.conn(ctx).Where("group_id = ?", groupID).Delete(&memberRow{}).Error; err != nil {
			return err
		}
		if _, err := t.insertMembers(ctx, groupID, want); err != nil {
			return err
		}
		return t.touchGroup(ctx, groupID)
	})
	return wrap(fmt.Sprintf("set members of group %q", groupID), err)
}

// ListGroupMembers returns the person IDs of the group's members, sorted.
func (t *txn) ListGroupMembers(ctx context.Context, groupID string) ([]string, error) {
	op := fmt.Sprintf("list members of group %q", groupID)
	var n int64
	if err := t.conn(ctx).Model(&groupRow{}).Where("id = ?", groupID).Count(&n).Error; err != nil {
		return nil, wrap(op, err)
	}
	if n == 0 {
		return nil, wrap(op, store.ErrNotFound)
	}
	var ids []string
	if err := t.conn(ctx).Model(&memberRow{}).Where("group_id = ?", groupID).Order("person_id").Pluck("person_id", &ids).Error; err != nil {
		return nil, wrap(op, err)
	}
	return ids, nil
}

// ListPersonGroups returns the groups the person is in, of source or of all
// sources when it is "", ordered by ID.
func (t *txn) ListPersonGroups(ctx context.Context, personID, source string) ([]store.Group, error) {
	db := t.conn(ctx).Where("id IN (SELECT group_id FROM group_members WHERE person_id = ?)", personID)
	if source != "" {
		db = db.Where("source = ?", source)
	}
	var rows []groupRow
	if err := db.Order("id").Find(&rows).Error; err != nil {
		return nil, wrap("list person groups", err)
	}
	return groupsFromRows(rows), nil
}

// RemovePersonFromGroups drops the person from every group of source (of
// every source when it is "").
func (t *txn) RemovePersonFromGroups(ctx context.Context, personID, source string) error {
	err := t.atomic(ctx, func(t *txn) error {
		var groupIDs []string
		db := t.conn(ctx).Model(&memberRow{}).Where("person_id = ?", personID)
		if source != "" {
			db = db.Where("group_id IN (SELECT id FROM source_groups WHERE source = ?)", source)
		}
		if err := db.Pluck("group_id", &groupIDs).Error; err != nil || len(groupIDs) == 0 {
			return err
		}
		if err := t.conn(ctx).Where("person_id = ? AND group_id IN ?", personID, groupIDs).Delete(&memberRow{}).Error; err != nil {
			return err
		}
		return t.conn(ctx).Model(&groupRow{}).Where("id IN ?", groupIDs).
			UpdateColumns(map[string]any{"updated_at": t.stamp(), "version": gorm.Expr("version + 1"), "members_digest": ""}).Error
	})
	return wrap(fmt.Sprintf("remove person %q from groups", personID), err)
}

// lockGroup locks the group row (on PostgreSQL; SQLite transactions are
// serialised) so concurrent membership changes apply one after the other.
func (t *txn) lockGroup(ctx context.Context, groupID string) error {
	var row groupRow
	return t.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Select("id").Where("id = ?", groupID).Take(&row).Error
}

// touchGroup records a membership change as a change of the group: a new
// updated time and version, and the members digest a pull recorded
// cleared (it no longer describes them).
func (t *txn) touchGroup(ctx context.Context, groupID string) error {
	return t.conn(ctx).Model(&groupRow{}).Where("id = ?", groupID).
		UpdateColumns(map[string]any{"updated_at": t.stamp(), "version": gorm.Expr("version + 1"), "members_digest": ""}).Error
}

// insertMembers adds memberships, skipping existing ones, and reports how
// many were new.
func (t *txn) insertMembers(ctx context.Context, groupID string, personIDs []string) (int64, error) {
	ids := uniqueSorted(personIDs)
	if len(ids) == 0 {
		return 0, nil
	}
	rows := make([]memberRow, len(ids))
	for i, id := range ids {
		rows[i] = memberRow{GroupID: groupID, PersonID: id}
	}
	res := t.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(rows, 500)
	return res.RowsAffected, res.Error
}

func uniqueSorted(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > 0 && out[0] == "" {
		out = out[1:]
	}
	return out
}
