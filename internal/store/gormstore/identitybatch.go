package gormstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/syncd-dev/syncd/internal/store"
)

var _ store.IdentityBatchTx = (*txn)(nil)

// Rows per multi-row insert: persons and links have about twenty
// columns, well inside both databases' limits on bound parameters.
const insertBatch = 200

// GetSourceLinks reads the links a chunk of external ids at a time.
func (t *txn) GetSourceLinks(ctx context.Context, source string, externalIDs []string) ([]store.SourceLink, error) {
	var out []store.SourceLink
	for start := 0; start < len(externalIDs); start += chunk {
		var rows []linkRow
		err := t.conn(ctx).Where("source = ? AND external_id IN ?", source, externalIDs[start:min(start+chunk, len(externalIDs))]).Find(&rows).Error
		if err != nil {
			return nil, wrap(fmt.Sprintf("get %d source links of %s", len(externalIDs), source), err)
		}
		links, err := linksFromRows(rows)
		if err != nil {
			return nil, wrap("decode source links", err)
		}
		out = append(out, links...)
	}
	return out, nil
}

// GetPersons reads persons a chunk of ids at a time.
func (t *txn) GetPersons(ctx context.Context, ids []string) ([]store.Person, error) {
	var out []store.Person
	for start := 0; start < len(ids); start += chunk {
		var rows []personRow
		if err := t.conn(ctx).Where("id IN ?", ids[start:min(start+chunk, len(ids))]).Find(&rows).Error; err != nil {
			return nil, wrap(fmt.Sprintf("get %d persons", len(ids)), err)
		}
		out = append(out, personsFromRows(rows)...)
	}
	return out, nil
}

// ListSourceLinksOf reads the links of persons a chunk at a time.
func (t *txn) ListSourceLinksOf(ctx context.Context, personIDs []string) ([]store.SourceLink, error) {
	var out []store.SourceLink
	for start := 0; start < len(personIDs); start += chunk {
		var rows []linkRow
		err := t.conn(ctx).Where("person_id IN ?", personIDs[start:min(start+chunk, len(personIDs))]).Find(&rows).Error
		if err != nil {
			return nil, wrap(fmt.Sprintf("list links of %d persons", len(personIDs)), err)
		}
		links, err := linksFromRows(rows)
		if err != nil {
			return nil, wrap("decode source links", err)
		}
		out = append(out, links...)
	}
	slices.SortFunc(out, func(a, b store.SourceLink) int {
		if c := strings.Compare(a.Source, b.Source); c != 0 {
			return c
		}
		return strings.Compare(a.ExternalID, b.ExternalID)
	})
	return out, nil
}

// FindPersonsIn compares through the same lower(column) expression as
// FindPersons, so its index serves the IN list.
func (t *txn) FindPersonsIn(ctx context.Context, key store.MatchKey, values []string) ([]store.Person, error) {
	col, ok := matchColumns[key]
	if !ok {
		return nil, fmt.Errorf("gormstore: find persons: unknown match key %q", key)
	}
	seen := map[string]bool{}
	var out []store.Person
	for start := 0; start < len(values); start += chunk {
		part := values[start:min(start+chunk, len(values))]
		lowered := make([]string, 0, len(part))
		for _, v := range part {
			if v != "" {
				lowered = append(lowered, strings.ToLower(v))
			}
		}
		if len(lowered) == 0 {
			continue
		}
		var rows []personRow
		if err := t.conn(ctx).Where("lower("+col+") IN ?", lowered).Find(&rows).Error; err != nil {
			return nil, wrap("find persons by "+string(key), err)
		}
		for _, p := range personsFromRows(rows) {
			if !seen[p.ID] {
				seen[p.ID] = true
				out = append(out, p)
			}
		}
	}
	sortPersons(out)
	return out, nil
}

func sortPersons(ps []store.Person) {
	slices.SortFunc(ps, func(a, b store.Person) int { return strings.Compare(a.ID, b.ID) })
}

// CreatePersons inserts ps with multi-row inserts.
func (t *txn) CreatePersons(ctx context.Context, ps []store.Person) ([]store.Person, error) {
	if len(ps) == 0 {
		return nil, nil
	}
	now := t.stamp()
	rows := make([]personRow, len(ps))
	for i, p := range ps {
		if p.ID == "" {
			id, err := uuid.NewV7()
			if err != nil {
				return nil, fmt.Errorf("gormstore: create persons: %w", err)
			}
			p.ID = id.String()
		}
		if p.Status == "" {
			p.Status = store.StatusActive
		}
		if !p.Status.Valid() {
			return nil, fmt.Errorf("gormstore: create persons: invalid status %q", p.Status)
		}
		if p.CreatedAt.IsZero() {
			p.CreatedAt = now
		}
		if p.UpdatedAt.IsZero() {
			p.UpdatedAt = p.CreatedAt
		}
		rows[i] = personToRow(p)
	}
	if err := t.conn(ctx).CreateInBatches(&rows, insertBatch).Error; err != nil {
		return nil, wrap(fmt.Sprintf("create %d persons", len(ps)), err)
	}
	out := make([]store.Person, len(rows))
	for i, r := range rows {
		out[i] = r.toPerson()
	}
	return out, nil
}

// CreateSourceLinks inserts new links without ON CONFLICT: a first
// import's links are all new, and PostgreSQL's speculative insertion per
// row, which the upsert costs, was a fifth of inserting them. A
// duplicate is a unique violation, store.ErrConflict; the transaction
// then rolls back and the caller re-plans.
func (t *txn) CreateSourceLinks(ctx context.Context, ls []store.SourceLink) error {
	rows, err := t.linkRows("create source links", ls)
	if err != nil || len(rows) == 0 {
		return err
	}
	err = t.atomic(ctx, func(t *txn) error { return t.conn(ctx).CreateInBatches(&rows, insertBatch).Error })
	return wrap(fmt.Sprintf("create %d source links", len(ls)), err)
}

// linkRows checks ls and turns them into rows as written new: version
// 1, missing times now.
func (t *txn) linkRows(op string, ls []store.SourceLink) ([]linkRow, error) {
	if len(ls) == 0 {
		return nil, nil
	}
	now := t.stamp()
	rows := make([]linkRow, len(ls))
	for i, l := range ls {
		if l.Source == "" || l.ExternalID == "" || l.PersonID == "" {
			return nil, fmt.Errorf("gormstore: %s: source, external id and person id are required (%s/%s)", op, l.Source, l.ExternalID)
		}
		if l.CreatedAt.IsZero() {
			l.CreatedAt = now
		}
		l.UpdatedAt = now
		if l.AssertedAt.IsZero() {
			l.AssertedAt = now
		}
		row, err := linkToRow(l)
		if err != nil {
			return nil, wrap(op, err)
		}
		row.Version = 1
		rows[i] = row
		ls[i].CreatedAt, ls[i].UpdatedAt, ls[i].AssertedAt = utc(l.CreatedAt), utc(l.UpdatedAt), utc(l.AssertedAt)
	}
	return rows, nil
}

// PutSourceLinks upserts the links; created_at is not among the columns
// an update sets, so a replaced link keeps it. A new link starts at
// version 1 and every replace raises it, as PutSourceLink does (SCIM's
// meta.version).
func (t *txn) PutSourceLinks(ctx context.Context, ls []store.SourceLink) error {
	rows, err := t.linkRows("put source links", ls)
	if err != nil || len(rows) == 0 {
		return err
	}
	err = t.conn(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "source"}, {Name: "external_id"}},
		DoUpdates: append(clause.AssignmentColumns(linkUpdateColumns),
			clause.Assignment{Column: clause.Column{Name: "version"}, Value: gorm.Expr("source_links.version + 1")}),
	}).CreateInBatches(&rows, insertBatch).Error
	return wrap(fmt.Sprintf("put %d source links", len(ls)), err)
}

// FindSourceLinksByDN compares through the same lower(dn) expression as
// FindSourceLinks, so the index of migration 00004 serves the IN list.
func (t *txn) FindSourceLinksByDN(ctx context.Context, source string, dns []string) ([]store.SourceLink, error) {
	col := "lower(" + t.jsonAttrLiteral("dn") + ")"
	var out []store.SourceLink
	for start := 0; start < len(dns); start += chunk {
		part := dns[start:min(start+chunk, len(dns))]
		lowered := make([]string, 0, len(part))
		for _, dn := range part {
			if dn != "" {
				lowered = append(lowered, strings.ToLower(dn))
			}
		}
		if len(lowered) == 0 {
			continue
		}
		var rows []linkRow
		if err := t.conn(ctx).Where("source = ? AND "+col+" IN ?", source, lowered).Find(&rows).Error; err != nil {
			return nil, wrap(fmt.Sprintf("find %d source links of %s by dn", len(dns), source), err)
		}
		links, err := linksFromRows(rows)
		if err != nil {
			return nil, wrap("decode source links", err)
		}
		out = append(out, links...)
	}
	return out, nil
}
