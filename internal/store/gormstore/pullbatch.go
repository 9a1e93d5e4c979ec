package gormstore

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
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

// pulledGroupRow is a groupRow with the members digest a pull records.
type pulledGroupRow struct {
	ID            string `gorm:"primaryKey"`
	Source        string
	ExternalID    string
	DisplayName   string
	Description   string
	Raw           []byte
	Version       int64
	CreatedAt     time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt     time.Time `gorm:"autoUpdateTime:false"`
	MembersDigest string
}

func (pulledGroupRow) TableName() string { return "source_groups" }

// CreateGroupsWithMembers inserts the groups, then every membership of
// all of them, with multi-row inserts: new groups need no lock (nobody
// else can see them before commit) and no touch.
func (t *txn) CreateGroupsWithMembers(ctx context.Context, gs []store.NewGroup) ([]store.Group, error) {
	if len(gs) == 0 {
		return nil, nil
	}
	op := fmt.Sprintf("create %d groups", len(gs))
	now := t.stamp()
	rows := make([]pulledGroupRow, len(gs))
	var members []memberRow
	var nhis []nhiMemberRow
	for i, ng := range gs {
		g := ng.Group
		if g.Source == "" || g.DisplayName == "" {
			return nil, fmt.Errorf("gormstore: %s: source and display name are required", op)
		}
		if g.ID == "" {
			id, err := uuid.NewV7()
			if err != nil {
				return nil, fmt.Errorf("gormstore: %s: %w", op, err)
			}
			g.ID = id.String()
		}
		if g.CreatedAt.IsZero() {
			g.CreatedAt = now
		}
		if g.UpdatedAt.IsZero() {
			g.UpdatedAt = g.CreatedAt
		}
		g.Version = 1
		r := groupToRow(g)
		rows[i] = pulledGroupRow{ID: r.ID, Source: r.Source, ExternalID: r.ExternalID, DisplayName: r.DisplayName,
			Description: r.Description, Raw: r.Raw, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
			MembersDigest: ng.Digest}
		for _, id := range uniqueSorted(ng.Members) {
			members = append(members, memberRow{GroupID: g.ID, PersonID: id})
		}
		for _, id := range uniqueSorted(ng.NHIMembers) {
			nhis = append(nhis, nhiMemberRow{GroupID: g.ID, NHIID: id})
		}
	}
	err := t.atomic(ctx, func(t *txn) error {
		// Ten columns a row: well inside both databases' parameter limits.
		if err := t.conn(ctx).CreateInBatches(&rows, 500).Error; err != nil {
			return err
		}
		if err := t.insertPairs(ctx, "group_members", "group_id", "person_id", len(members), func(i int) (string, string) {
			return members[i].GroupID, members[i].PersonID
		}); err != nil {
			return err
		}
		return t.insertPairs(ctx, "group_nhi_members", "group_id", "nhi_id", len(nhis), func(i int) (string, string) {
			return nhis[i].GroupID, nhis[i].NHIID
		})
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	out := make([]store.Group, len(rows))
	for i, r := range rows {
		out[i] = groupRow{ID: r.ID, Source: r.Source, ExternalID: r.ExternalID, DisplayName: r.DisplayName,
			Description: r.Description, Raw: r.Raw, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}.toGroup()
	}
	return out, nil
}

// insertPairs inserts n new rows of two text columns: on PostgreSQL from
// two array parameters (unnest), so a statement carries any number of
// rows in two bound values; on SQLite with multi-row VALUES written
// directly (no per-row reflection). The rows must be new (the members of
// groups created in this transaction, each once): a plain insert skips
// PostgreSQL's speculative insertion per row, which ON CONFLICT costs
// (a third of the insert at 100,000 members).
func (t *txn) insertPairs(ctx context.Context, table, a, b string, n int, row func(i int) (string, string)) error {
	perStmt := 2000 // 4,000 parameters
	if t.postgres() {
		perStmt = 50000
	}
	var sb strings.Builder
	for start := 0; start < n; start += perStmt {
		end := min(start+perStmt, n)
		if t.postgres() {
			xs, ys := make(textArray, 0, end-start), make(textArray, 0, end-start)
			for i := start; i < end; i++ {
				x, y := row(i)
				xs, ys = append(xs, x), append(ys, y)
			}
			err := t.conn(ctx).Exec("INSERT INTO "+table+" ("+a+", "+b+") SELECT * FROM unnest(?::text[], ?::text[])", xs, ys).Error
			if err != nil {
				return err
			}
			continue
		}
		sb.Reset()
		args := make([]any, 0, 2*(end-start))
		sb.WriteString("INSERT INTO " + table + " (" + a + ", " + b + ") VALUES ")
		for i := start; i < end; i++ {
			if i > start {
				sb.WriteByte(',')
			}
			sb.WriteString("(?,?)")
			x, y := row(i)
			args = append(args, x, y)
		}
		if err := t.conn(ctx).Exec(sb.String(), args...).Error; err != nil {
			return err
		}
	}
	return nil
}

// textArray is a PostgreSQL text[] bound as one value, in the array
// literal syntax: every element quoted, backslashes and quotes escaped.
type textArray []string

func (a textArray) Value() (driver.Value, error) {
	var sb strings.Builder
	sb.Grow(len(a) * 40)
	sb.WriteByte('{')
	for i, s := range a {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteByte('"')
		for j := 0; j < len(s); j++ {
			if s[j] == '"' || s[j] == '\\' {
				sb.WriteByte('\\')
			}
			sb.WriteByte(s[j])
		}
		sb.WriteByte('"')
	}
	sb.WriteByte('}')
	return sb.String(), nil
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

// RefreshStatistics runs ANALYZE on PostgreSQL. Until it has run, tables
// filled in the last minute have no statistics (autovacuum analyzes them a
// minute or more later): a batch's links by 500 external ids were then
// read through the index on source alone, every link of the source once
// per batch, and a generic plan cached while the table was empty kept
// doing so, so a first import slowed down with the square of its size.
// ANALYZE samples a bounded number of rows whatever the table's size.
func (t *txn) RefreshStatistics(ctx context.Context) error {
	if !t.postgres() {
		return nil
	}
	return wrap("refresh statistics", t.conn(ctx).Exec("ANALYZE persons, source_links").Error)
}
