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

// SourceExternalIDOf reads one column through the (source, person_id)
// index instead of every link of the person with its document.
func (t *txn) SourceExternalIDOf(ctx context.Context, source, personID string) (string, bool, error) {
	var ids []string
	err := t.conn(ctx).Model(&linkRow{}).Where("source = ? AND person_id = ?", source, personID).
		Order("external_id").Limit(1).Pluck("external_id", &ids).Error
	if err != nil {
		return "", false, wrap("external id of person "+personID+" in "+source, err)
	}
	if len(ids) == 0 {
		return "", false, nil
	}
	return ids[0], true, nil
}
