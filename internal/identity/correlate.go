package identity

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/syncd-dev/syncd/internal/store"
)

// correlate finds the person a record not yet linked belongs to, trying the
// match keys in order. Every key the record carries must agree: a key that
// matches several persons, or two keys that match different persons, make
// the record ambiguous (merging two humans is worse than asking an admin).
// It returns "" when no person matches.
func (b *batch) correlate(ctx context.Context, asserted map[string]string) (personID string, kind error, reason string, err error) {
	if err := b.findAtOnce(ctx, asserted); err != nil {
		return "", nil, "", err
	}
	var firstKey store.MatchKey
	for _, k := range b.cfg.matchKeys {
		v := asserted[string(k)]
		if v == "" {
			continue
		}
		ids, err := b.findPersons(ctx, k, v)
		if err != nil {
			return "", nil, "", err
		}
		switch {
		case len(ids) > 1:
			return "", ErrAmbiguous, fmt.Sprintf("%s %q matches %d persons (%s)", k, v, len(ids), strings.Join(ids, ", ")), nil
		case len(ids) == 0:
			continue
		case personID == "":
			personID, firstKey = ids[0], k
		case personID != ids[0]:
			return "", ErrAmbiguous, fmt.Sprintf("%s %q matches person %s but %s %q matches person %s",
				firstKey, asserted[string(firstKey)], personID, k, v, ids[0]), nil
		}
	}
	return personID, nil, "", nil
}

// findPersons returns the IDs of persons whose effective attribute key
// equals value case-insensitively, as they stand in this batch: the store's
// answer corrected by what the batch has already changed.
func (b *batch) findPersons(ctx context.Context, key store.MatchKey, value string) ([]string, error) {
	stored, ok := b.found[key][strings.ToLower(value)]
	if !ok || !isASCII(value) {
		found, err := b.tx.FindPersons(ctx, key, value)
		if err != nil {
			return nil, fmt.Errorf("find persons by %s: %w", key, err)
		}
		stored = make([]string, len(found))
		for i, p := range found {
			stored[i] = p.ID
		}
	}
	var ids []string
	for _, id := range stored {
		if ps, ok := b.persons[id]; ok && ps.dirty && !strings.EqualFold(ps.attr(string(key)), value) {
			continue // the batch changed it away
		}
		ids = append(ids, id)
	}
	for _, ps := range b.keyIndex[string(key)+"\x00"+strings.ToLower(value)] {
		if strings.EqualFold(ps.attr(string(key)), value) {
			ids = append(ids, ps.p.ID)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// findAtOnce reads, for a batch too small to prefetch, the persons every
// match key of one record names in one statement instead of one per key,
// and keeps them where findPersons looks first (as prefetch does). Only
// ASCII values: the database's lower() and Go's agree on those.
func (b *batch) findAtOnce(ctx context.Context, asserted map[string]string) error {
	if len(b.in.Changes) >= prefetchMin {
		return nil
	}
	match := map[store.MatchKey]string{}
	for _, k := range b.cfg.matchKeys {
		v := asserted[string(k)]
		if _, known := b.found[k][strings.ToLower(v)]; v != "" && isASCII(v) && !known {
			match[k] = v
		}
	}
	if len(match) < 2 {
		return nil
	}
	persons, err := b.tx.FindPersonsByAny(ctx, match)
	if err != nil {
		return fmt.Errorf("find persons by %d keys: %w", len(match), err)
	}
	for k, v := range match {
		lv := strings.ToLower(v)
		ids := []string{}
		for _, p := range persons {
			if strings.ToLower(personAttrs(p)[string(k)]) == lv {
				ids = append(ids, p.ID)
			}
		}
		if b.found[k] == nil {
			b.found[k] = map[string][]string{}
		}
		b.found[k][lv] = ids
	}
	return nil
}

func (b *batch) hasMatchKey(asserted map[string]string) bool {
	for _, k := range b.cfg.matchKeys {
		if asserted[string(k)] != "" {
			return true
		}
	}
	return false
}

func (b *batch) matchKeyNames() string {
	names := make([]string, len(b.cfg.matchKeys))
	for i, k := range b.cfg.matchKeys {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}
