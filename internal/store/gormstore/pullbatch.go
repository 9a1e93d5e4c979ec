package gormstore

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm/clause"

	"github.com/syncd-dev/syncd/internal/store"
)

var _ store.PullBatchTx = (*txn)(nil)

// chunk bounds the bound parameters of one IN list or multi-row insert
// (SQLite allows 32,766, PostgreSQL 65,535).
const chunk = 1000

type nhiMemberRow struct {
	GroupID string `gorm:"primaryKey"`
	NHIID   string `gorm:"primaryKey;column:nhi_id"`
}

func (nhiMemberRow) TableName() string { return "group_nhi_members" }

// ResolveLinkDNs looks the DNs up a chunk at a time through the links'
// dn expression index (migration 00004).
func (t *txn) ResolveLinkDNs(ctx context.Context, source string, dns []string) (map[string]string, error) {
	out := make(map[string]string, len(dns))
	ambiguous := map[string]bool{}
	col := "lower(" + t.jsonAttrLiteral("dn") + ")"
	for start := 0; start < len(dns); start += chunk {
		part := dns[start:min(start+chunk, len(dns))]
		keys := make([]string, len(part))
		for i, dn := range part {
			keys[i] = strings.ToLower(dn)
		}
		var rows []struct {
			DN       string
			PersonID string
		}
		err := t.conn(ctx).Table("source_links").Select(t.jsonAttrLiteral("dn")+" AS dn, person_id").
			Where("source = ? AND "+col+" IN ?", source, keys).Scan(&rows).Error
		if err != nil {
			return nil, wrap(fmt.Sprintf("resolve %d DNs of %s", len(dns), source), err)
		}
		for _, r := range rows {
			r.DN = strings.ToLower(r.DN)
			if prev, ok := out[r.DN]; ok && prev != r.PersonID {
				ambiguous[r.DN] = true
			}
			out[r.DN] = r.PersonID
		}
	}
	for dn := range ambiguous {
		delete(out, dn)
	}
	return out, nil
}

// ListGroupStates reads every group of source in one query.
func (t *txn) ListGroupStates(ctx context.Context, source string) ([]store.GroupState, error) {
	var rows []struct {
		ID, ExternalID, DisplayName, Description, MembersDigest string
	}
	err := t.conn(ctx).Table("source_groups").Select("id, external_id, display_name, description, members_digest").
		Where("source = ?", source).Order("id").Scan(&rows).Error
	if err != nil {
		return nil, wrap("list group states of "+source, err)
	}
	out := make([]store.GroupState, len(rows))
	for i, r := range rows {
		out[i] = store.GroupState{ID: r.ID, ExternalID: r.ExternalID, DisplayName: r.DisplayName, Description: r.Description, Digest: r.MembersDigest}
	}
	return out, nil
}

// SetGroupDigest records the members digest.
func (t *txn) SetGroupDigest(ctx context.Context, groupID, digest string) error {
	res := t.conn(ctx).Table("source_groups").Where("id = ?", groupID).Update("members_digest", digest)
	if res.Error == nil && res.RowsAffected == 0 {
		return wrap("set digest of group "+groupID, store.ErrNotFound)
	}
	return wrap("set digest of group "+groupID, res.Error)
}

// AddGroupNHIMembers adds NHIs to the group.
func (t *txn) AddGroupNHIMembers(ctx context.Context, groupID string, nhiIDs []string) error {
	err := t.atomic(ctx, func(t *txn) error {
		if err := t.lockGroup(ctx, groupID); err != nil {
			return err
		}
		ids := uniqueSorted(nhiIDs)
		if len(ids) == 0 {
			return nil
		}
		rows := make([]nhiMemberRow, len(ids))
		for i, id := range ids {
			rows[i] = nhiMemberRow{GroupID: groupID, NHIID: id}
		}
		res := t.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(rows, chunk/2)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return t.touchGroup(ctx, groupID)
	})
	return wrap(fmt.Sprintf("add NHI members to group %q", groupID), err)
}

// RemoveGroupNHIMembers removes NHIs from the group.
func (t *txn) RemoveGroupNHIMembers(ctx context.Context, groupID string, nhiIDs []string) error {
	err := t.atomic(ctx, func(t *txn) error {
		if err := t.lockGroup(ctx, groupID); err != nil {
			return err
		}
		var n int64
		for start := 0; start < len(nhiIDs); start += chunk {
			res := t.conn(ctx).Where("group_id = ? AND nhi_id IN ?", groupID, nhiIDs[start:min(start+chunk, len(nhiIDs))]).Delete(&nhiMemberRow{})
			if res.Error != nil {
				return res.Error
			}
			n += res.RowsAffected
		}
		if n == 0 {
			return nil
		}
		return t.touchGroup(ctx, groupID)
	})
	return wrap(fmt.Sprintf("remove NHI members from group %q", groupID), err)
}

// ListGroupNHIMembers returns the NHI members, sorted.
func (t *txn) ListGroupNHIMembers(ctx context.Context, groupID string) ([]string, error) {
	var ids []string
	err := t.conn(ctx).Model(&nhiMemberRow{}).Where("group_id = ?", groupID).Order("nhi_id").Pluck("nhi_id", &ids).Error
	return ids, wrap(fmt.Sprintf("list NHI members of group %q", groupID), err)
}

// ListNHIGroups returns the groups the NHI is in.
func (t *txn) ListNHIGroups(ctx context.Context, nhiID string) ([]store.Group, error) {
	var rows []groupRow
	err := t.conn(ctx).Where("id IN (SELECT group_id FROM group_nhi_members WHERE nhi_id = ?)", nhiID).Order("id").Find(&rows).Error
	if err != nil {
		return nil, wrap("list NHI groups", err)
	}
	return groupsFromRows(rows), nil
}
