package gormstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/syncd-dev/syncd/internal/store"
)

var _ store.RecordPathReader = (*txn)(nil)

// FindPersonsByAny is FindPersons for several keys in one statement: an
// OR of the same lower(column) = lower(?) terms, each served by its own
// index (SQLite's OR optimisation, PostgreSQL's BitmapOr).
func (t *txn) FindPersonsByAny(ctx context.Context, match map[store.MatchKey]string) ([]store.Person, error) {
	keys := make([]store.MatchKey, 0, len(match))
	for k, v := range match {
		if _, ok := matchColumns[k]; !ok {
			return nil, fmt.Errorf("gormstore: find persons: unknown match key %q", k)
		}
		if v != "" {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	slices.Sort(keys) // one statement text per set of keys
	var (
		where strings.Builder
		args  = make([]any, 0, len(keys))
	)
	for i, k := range keys {
		if i > 0 {
			where.WriteString(" OR ")
		}
		where.WriteString("lower(" + matchColumns[k] + ") = lower(?)")
		args = append(args, match[k])
	}
	var rows []personRow
	if err := t.conn(ctx).Where(where.String(), args...).Order("id").Find(&rows).Error; err != nil {
		return nil, wrap("find persons by any key", err)
	}
	return personsFromRows(rows), nil
}

// GetSourceExternalIDOf reads one column through the (source, person_id)
// index instead of every link of the person with its document. The first
// is picked here: ORDER BY external_id in SQL let SQLite walk the primary
// key (source, external_id) in order instead, every link of the source.
func (t *txn) GetSourceExternalIDOf(ctx context.Context, source, personID string) (string, bool, error) {
	ids, err := t.scanStrings(ctx, frag{sql: "SELECT external_id FROM source_links WHERE source = ? AND person_id = ?", args: []any{source, personID}})
	if err != nil {
		return "", false, wrap("external id of person "+personID+" in "+source, err)
	}
	if len(ids) == 0 {
		return "", false, nil
	}
	return slices.Min(ids), true, nil
}

// FindUserNameHolders returns the ids (persons and NHIs) of source's user view
// whose userName equals userName, compared as the view's filter
// `userName eq` does (ListUserView builds the same conditions), at most
// two: the ids only, not a page of documents, for the check a create or
// rename makes in its writing transaction.
func (t *txn) FindUserNameHolders(ctx context.Context, source, userName string) ([]string, error) {
	f := store.Filter{Op: store.FilterEq, Path: []string{"userName"}, Value: userName}
	userNameCol := "json_extract(l.attributes, '$.userName')"
	if t.postgres() {
		userNameCol = "(l.attributes ->> 'userName')"
	}
	persons := filterSQL{pg: t.postgres(), cols: viewColumns{
		doc: t.jsonDoc("l.raw"), id: "l.person_id", created: "l.created_at", modified: "l.updated_at",
		columns: map[string]string{"username": userNameCol},
	}}
	nhis := filterSQL{pg: t.postgres(), cols: viewColumns{
		doc: t.jsonDoc("d.raw"), id: "d.nhi_id", created: "d.created_at", modified: "d.updated_at",
	}}
	pf, err := persons.build(f)
	if err != nil {
		return nil, fmt.Errorf("gormstore: user name holders: %w", err)
	}
	nf, err := nhis.build(f)
	if err != nil {
		return nil, fmt.Errorf("gormstore: user name holders: %w", err)
	}
	q := cat("SELECT l.person_id AS id FROM source_links l WHERE l.source = ", bind(source), " AND l.raw IS NOT NULL AND (", pf, ")",
		" UNION ALL SELECT d.nhi_id FROM scim_nhi_docs d WHERE d.source = ", bind(source),
		" AND (", nf, ") AND "+liveNHI+" LIMIT 2")
	ids, err := t.scanStrings(ctx, q)
	if err != nil {
		return nil, wrap("user name holders in "+source, err)
	}
	return ids, nil
}
