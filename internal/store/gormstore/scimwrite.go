package gormstore

import (
	"context"
	"fmt"
	"hash/fnv"

	"gorm.io/gorm/clause"

	"github.com/syncd-dev/syncd/internal/store"
)

var _ store.SCIMWriteTx = (*txn)(nil)

// LockGroup reads the group with a row lock (FOR UPDATE on PostgreSQL;
// on SQLite the write transaction holds the database lock from BEGIN
// IMMEDIATE, see sqliteDSN).
func (t *txn) LockGroup(ctx context.Context, id string) (store.Group, error) {
	var row groupRow
	if err := t.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&row).Error; err != nil {
		return store.Group{}, wrap(fmt.Sprintf("lock group %q", id), err)
	}
	return row.toGroup(), nil
}

// AddGroupMemberDelta inserts the memberships that do not exist yet and
// returns the persons it added. It reads only the named memberships, so
// its cost does not grow with the group.
func (t *txn) AddGroupMemberDelta(ctx context.Context, groupID string, personIDs []string) ([]string, error) {
	var added []string
	err := t.atomic(ctx, func(t *txn) error {
		ids := uniqueSorted(personIDs)
		if len(ids) == 0 {
			return nil
		}
		present, err := t.presentMembers(ctx, groupID, ids)
		if err != nil {
			return err
		}
		rows := make([]memberRow, 0, len(ids))
		for _, id := range ids {
			if !present[id] {
				rows = append(rows, memberRow{GroupID: groupID, PersonID: id})
				added = append(added, id)
			}
		}
		if len(rows) == 0 {
			return nil
		}
		if err := t.conn(ctx).CreateInBatches(rows, 500).Error; err != nil {
			return err
		}
		return t.touchGroup(ctx, groupID)
	})
	if err != nil {
		return nil, wrap(fmt.Sprintf("add members to group %q", groupID), err)
	}
	return added, nil
}

// RemoveGroupMemberDelta deletes the named memberships that exist and
// returns the persons it removed.
func (t *txn) RemoveGroupMemberDelta(ctx context.Context, groupID string, personIDs []string) ([]string, error) {
	var removed []string
	err := t.atomic(ctx, func(t *txn) error {
		ids := uniqueSorted(personIDs)
		if len(ids) == 0 {
			return nil
		}
		present, err := t.presentMembers(ctx, groupID, ids)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if present[id] {
				removed = append(removed, id)
			}
		}
		if len(removed) == 0 {
			return nil
		}
		for chunk := range chunks(removed, 500) {
			if err := t.conn(ctx).Where("group_id = ? AND person_id IN ?", groupID, chunk).Delete(&memberRow{}).Error; err != nil {
				return err
			}
		}
		return t.touchGroup(ctx, groupID)
	})
	if err != nil {
		return nil, wrap(fmt.Sprintf("remove members from group %q", groupID), err)
	}
	return removed, nil
}

// presentMembers reports which of ids (sorted, unique) are members.
func (t *txn) presentMembers(ctx context.Context, groupID string, ids []string) (map[string]bool, error) {
	present := make(map[string]bool, len(ids))
	for chunk := range chunks(ids, 500) {
		var have []string
		if err := t.conn(ctx).Model(&memberRow{}).Where("group_id = ? AND person_id IN ?", groupID, chunk).
			Pluck("person_id", &have).Error; err != nil {
			return nil, err
		}
		for _, id := range have {
			present[id] = true
		}
	}
	return present, nil
}

func chunks(ids []string, n int) func(func([]string) bool) {
	return func(yield func([]string) bool) {
		for len(ids) > 0 {
			k := min(n, len(ids))
			if !yield(ids[:k]) {
				return
			}
			ids = ids[k:]
		}
	}
}

// LockPersonLink reads source's link of personID with a row lock.
func (t *txn) LockPersonLink(ctx context.Context, source, personID string) (store.SourceLink, error) {
	op := fmt.Sprintf("lock link of person %q in source %q", personID, source)
	var rows []linkRow
	if err := t.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("source = ? AND person_id = ?", source, personID).Order("external_id").Limit(1).Find(&rows).Error; err != nil {
		return store.SourceLink{}, wrap(op, err)
	}
	if len(rows) == 0 {
		return store.SourceLink{}, wrap(op, store.ErrNotFound)
	}
	l, err := rows[0].toLink()
	if err != nil {
		return store.SourceLink{}, wrap(op, err)
	}
	return l, nil
}

// LockKey takes pg_advisory_xact_lock on a 64-bit hash of key on
// PostgreSQL (released at commit or rollback). SQLite needs nothing: a
// write transaction holds the database's only write lock from BEGIN.
func (t *txn) LockKey(ctx context.Context, key string) error {
	if !t.postgres() {
		return nil
	}
	h := fnv.New64a()
	h.Write([]byte(key))
	if err := t.conn(ctx).Exec("SELECT pg_advisory_xact_lock(?)", int64(h.Sum64())).Error; err != nil {
		return wrap(fmt.Sprintf("lock key %q", key), err)
	}
	return nil
}
