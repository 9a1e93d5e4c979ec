package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/syncd-dev/syncd/internal/store"
)

// refResult is a manager reference resolved (personID) or not (warning).
type refResult struct {
	personID string
	warning  string
}

// resolveManagers is the second pass: with every record of the batch in
// place, manager references resolve even when the manager came later in
// the batch. Links of this source left unresolved by earlier batches are
// retried too.
func (b *batch) resolveManagers(ctx context.Context) error {
	retry, err := b.tx.ListUnresolvedManagerLinks(ctx, b.source)
	if err != nil {
		return fmt.Errorf("list unresolved manager links of %s: %w", b.source, err)
	}
	for _, l := range retry {
		if e := b.register(l); e.link != nil && !e.touched {
			b.pending = append(b.pending, pendingRef{externalID: l.ExternalID, applied: -1})
		}
	}
	if len(b.pending) >= prefetchMin {
		if err := b.prefetchManagers(ctx); err != nil {
			return err
		}
	}
	for _, pr := range b.pending {
		if err := b.resolveOne(ctx, pr); err != nil {
			return err
		}
	}
	return nil
}

func (b *batch) resolveOne(ctx context.Context, pr pendingRef) error {
	e := b.links[pr.externalID]
	if e == nil || e.link == nil || e.link.ManagerRef == "" {
		return nil // unlinked or re-asserted without a manager later in the batch
	}
	l := e.link
	ps, err := b.person(ctx, l.PersonID, true)
	if err != nil {
		return err
	}
	ref := b.decodeRef(l.ManagerRef)
	rr, err := b.resolveRef(ctx, l.ManagerRef)
	if err != nil {
		return err
	}
	warn := rr.warning
	managerID := rr.personID
	if managerID != "" {
		// A person created in this batch is nobody's manager unless this
		// batch made it one: no chain above its manager can lead back to
		// it, and walking that chain (a read per level) is skipped.
		cycle := managerID == ps.p.ID
		if !cycle && (!ps.isNew || b.managing[ps.p.ID]) {
			if cycle, err = closesCycle(ps.p.ID, managerID, func(id string) (string, error) { return b.managerOf(ctx, id) }); err != nil {
				return err
			}
		}
		if cycle {
			if managerID == ps.p.ID {
				warn = fmt.Sprintf("manager %s is the person itself; ignored", ref)
			} else {
				warn = fmt.Sprintf("manager %s (person %s) would close a management cycle; ignored", ref, managerID)
			}
			managerID = ""
		}
	}
	if warn != "" {
		if pr.applied >= 0 {
			a := &b.res.Applied[pr.applied]
			a.Warnings = append(a.Warnings, warn)
		} else if managerID == "" && rr.personID != "" {
			// A retried reference still missing was reported when its
			// record arrived; one that resolves into a cycle is reported
			// on every batch until the source fixes it.
			b.res.Warnings = append(b.res.Warnings, fmt.Sprintf("record %q of %q: %s", l.ExternalID, b.source, warn))
		}
	}
	old, had := l.Attributes[AttrManager]
	switch {
	case managerID == "" && !had, had && old == managerID && managerID != "":
		return nil
	case managerID == "":
		delete(l.Attributes, AttrManager)
	default:
		l.Attributes[AttrManager] = managerID
		if b.managing == nil {
			b.managing = map[string]bool{}
		}
		b.managing[managerID] = true
	}
	l.UpdatedAt = b.now
	b.touch(l.ExternalID, e)
	b.markDirty(ps)
	return nil
}

// decodeRef is decodeRef remembered for the batch: a reference is
// decoded when its DNs are prefetched and again when it is resolved.
func (b *batch) decodeRef(s string) ManagerRef {
	if r, ok := b.refs[s]; ok {
		return r
	}
	r := decodeRef(s)
	b.refs[s] = r
	return r
}

// resolveRef finds the person the reference encoded as key (a link's
// ManagerRef) names, trying its external id, DN and employee number in
// that order. Results are cached for the pass: only manager attributes
// change while it runs.
func (b *batch) resolveRef(ctx context.Context, key string) (refResult, error) {
	if rr, ok := b.refCache[key]; ok {
		return rr, nil
	}
	rr, err := b.lookupRef(ctx, b.decodeRef(key))
	if err != nil {
		return refResult{}, err
	}
	b.refCache[key] = rr
	return rr, nil
}

func (b *batch) lookupRef(ctx context.Context, ref ManagerRef) (refResult, error) {
	var warnings []string
	if ref.ExternalID != "" {
		e, err := b.link(ctx, ref.ExternalID)
		if err != nil {
			return refResult{}, err
		}
		if e.link != nil {
			return refResult{personID: e.link.PersonID}, nil
		}
	}
	if ref.DN != "" {
		ids, err := b.personsByDN(ctx, ref.DN)
		if err != nil {
			return refResult{}, err
		}
		switch len(ids) {
		case 1:
			return refResult{personID: ids[0]}, nil
		case 0:
		default:
			warnings = append(warnings, fmt.Sprintf("DN %q names %d persons", ref.DN, len(ids)))
		}
	}
	if ref.EmployeeNumber != "" {
		ids, err := b.findPersons(ctx, store.MatchEmployeeNumber, ref.EmployeeNumber)
		if err != nil {
			return refResult{}, err
		}
		switch len(ids) {
		case 1:
			return refResult{personID: ids[0]}, nil
		case 0:
		default:
			warnings = append(warnings, fmt.Sprintf("employee number %q names %d persons", ref.EmployeeNumber, len(ids)))
		}
	}
	if len(warnings) > 0 {
		return refResult{warning: fmt.Sprintf("manager %s is ambiguous (%s); left unset", ref, strings.Join(warnings, "; "))}, nil
	}
	return refResult{warning: fmt.Sprintf("manager %s not found; left unset until it arrives", ref)}, nil
}

// prefetchManagers reads in a few statements what resolving the pending
// references will ask for: the links under every manager DN named, then
// the persons of the management chains above the managers found, a level
// at a time (the cycle check walks them). Nothing is written before the
// write pass, so they stay what the store holds; resolving then finds
// them in memory and corrects them by the batch as before.
func (b *batch) prefetchManagers(ctx context.Context) error {
	var dns []string
	for _, pr := range b.pending {
		e := b.links[pr.externalID]
		if e == nil || e.link == nil || e.link.ManagerRef == "" {
			continue
		}
		dn := b.decodeRef(e.link.ManagerRef).DN
		// Only ASCII DNs: the database's lower() and Go's agree on those;
		// others are looked up one at a time as before.
		if dn == "" || !isASCII(dn) {
			continue
		}
		key := strings.ToLower(dn)
		if _, ok := b.byDN[key]; !ok {
			b.byDN[key] = nil
			dns = append(dns, key)
		}
	}
	if len(dns) > 0 {
		links, err := b.tx.FindSourceLinksByDN(ctx, b.source, dns)
		if err != nil {
			return fmt.Errorf("find links of %s by dn: %w", b.source, err)
		}
		for _, l := range links {
			key := strings.ToLower(l.Attributes[attrDN])
			if _, ok := b.byDN[key]; ok {
				b.byDN[key] = append(b.byDN[key], l)
			}
		}
	}
	// The chains above the managers: persons not known to the batch,
	// read a level at a time.
	var next []string
	asked := map[string]bool{}
	want := func(id string) {
		if _, ok := b.persons[id]; !ok && id != "" && !asked[id] {
			asked[id] = true
			next = append(next, id)
		}
	}
	for _, pr := range b.pending {
		e := b.links[pr.externalID]
		if e == nil || e.link == nil || e.link.ManagerRef == "" {
			continue
		}
		rr, err := b.resolveRef(ctx, e.link.ManagerRef)
		if err != nil {
			return err
		}
		want(rr.personID)
	}
	for depth := 0; len(next) > 0 && depth < maxPrefetchDepth; depth++ {
		persons, err := b.tx.GetPersons(ctx, next)
		if err != nil {
			return fmt.Errorf("get managers: %w", err)
		}
		next = nil
		for _, p := range persons {
			if _, ok := b.persons[p.ID]; !ok {
				b.persons[p.ID] = &personState{p: p}
			}
		}
		for _, p := range persons {
			want(p.ManagerID)
		}
	}
	return nil
}

// maxPrefetchDepth bounds the levels of management chains prefetched; a
// deeper chain is walked one person at a time beyond it.
const maxPrefetchDepth = 64

// personsByDN returns the persons linked from this source under dn,
// case-insensitively, as the batch stands.
func (b *batch) personsByDN(ctx context.Context, dn string) ([]string, error) {
	found, ok := b.byDN[strings.ToLower(dn)]
	if !ok || !isASCII(dn) {
		var err error
		if found, err = b.tx.FindSourceLinks(ctx, b.source, attrDN, dn); err != nil {
			return nil, fmt.Errorf("find links of %s by dn: %w", b.source, err)
		}
	}
	seen := map[string]bool{}
	var ids []string
	add := func(e *linkEntry) {
		if e.link != nil && strings.EqualFold(e.link.Attributes[attrDN], dn) && !seen[e.link.PersonID] {
			seen[e.link.PersonID] = true
			ids = append(ids, e.link.PersonID)
		}
	}
	for _, l := range found {
		add(b.register(l))
	}
	for _, ext := range b.dnIndex[strings.ToLower(dn)] {
		add(b.links[ext])
	}
	return ids, nil
}

// managerOf is id's effective manager as the batch stands.
func (b *batch) managerOf(ctx context.Context, id string) (string, error) {
	ps, err := b.person(ctx, id, false)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return ps.attr(AttrManager), nil
}
