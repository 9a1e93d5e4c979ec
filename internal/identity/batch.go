package identity

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// batch is the in-memory state of one Apply: everything read in the
// transaction and everything about to be written. Records are planned
// against it first, so a rejected record leaves no trace, and written at the
// end (write.go).
type batch struct {
	s      *Service
	cfg    *compiled
	tx     writeTx
	source string
	actor  string
	now    time.Time
	in     Batch

	persons map[string]*personState
	dirty   []*personState // persons to recompute, in the order first touched

	links     map[string]*linkEntry // this source's links by external id
	linkOrder []string              // external ids whose link changed, in order
	dnIndex   map[string][]string   // lower(dn) → external ids set in this batch
	keyIndex  map[string][]*personState

	pending  []pendingRef          // links whose manager reference must be resolved
	refCache map[string]refResult  // by encoded reference
	refs     map[string]ManagerRef // decoded references by their encoding
	// found holds, per match key, the persons the store had at the start
	// of the batch for each lower-cased value prefetched (see prefetch).
	found map[store.MatchKey]map[string][]string
	// byDN holds, per lower-cased ASCII DN prefetched for manager
	// references, the links the store had under it (see prefetchManagers).
	byDN map[string][]store.SourceLink

	// managing holds the persons this batch made someone's manager.
	managing map[string]bool

	res        Result
	applied    map[int]int // change index → position in res.Applied
	auditQueue []audit.Entry
}

// personState is one person as loaded, and the links that now hold.
type personState struct {
	p           store.Person // as stored; for a new person, as first planned
	isNew       bool
	links       []*store.SourceLink
	linksLoaded bool
	dirty       bool
	eff         map[string]assertion // merge of links, kept current
	linked      []string             // external ids of this source linked in the batch
	unlinked    []string
	warnings    []string
	final       store.Person // after write
	// jobFunctions are the open job functions after write, when known.
	jobFunctions []string
}

// linkEntry is what is known of one (source, external id): link is nil when
// there is none (never was, or unlinked in this batch).
type linkEntry struct {
	link    *store.SourceLink
	inDB    bool
	touched bool
}

type pendingRef struct {
	externalID string
	applied    int // position in res.Applied, -1 for a link retried from an earlier batch
}

func newBatch(s *Service, tx writeTx, b Batch) *batch {
	actor := b.Actor
	if actor == "" {
		actor = "source:" + b.Source
	}
	return &batch{
		s: s, cfg: &s.cfg, tx: tx, source: b.Source, actor: actor, in: b,
		now:      s.Now().UTC().Truncate(time.Microsecond),
		persons:  map[string]*personState{},
		links:    map[string]*linkEntry{},
		dnIndex:  map[string][]string{},
		keyIndex: map[string][]*personState{},
		refCache: map[string]refResult{},
		refs:     map[string]ManagerRef{},
		applied:  map[int]int{},
		found:    map[store.MatchKey]map[string][]string{},
		byDN:     map[string][]store.SourceLink{},
	}
}

// prefetchMin is the batch size from which links and correlation
// candidates are read a batch at a time up front.
const prefetchMin = 8

func (b *batch) run(ctx context.Context) error {
	if len(b.in.Changes) >= prefetchMin {
		if err := b.prefetch(ctx); err != nil {
			return err
		}
	}
	for i, c := range b.in.Changes {
		var err error
		switch c.Op {
		case OpUpsert:
			err = b.upsert(ctx, i, c.Record)
		case OpUnlink:
			err = b.unlink(ctx, i, c.Record)
		default:
			b.reject(i, c.Record.ExternalID, ErrInvalid, fmt.Sprintf("unknown operation %s", c.Op))
		}
		if err != nil {
			return err
		}
	}
	if err := b.resolveManagers(ctx); err != nil {
		return err
	}
	return b.write(ctx)
}

func (b *batch) reject(i int, externalID string, kind error, reason string) {
	b.res.Rejected = append(b.res.Rejected, Rejected{Index: i, ExternalID: externalID, Reason: reason, Err: kind})
}

func (b *batch) accept(a Applied) {
	b.applied[a.Index] = len(b.res.Applied)
	b.res.Applied = append(b.res.Applied, a)
}

// validate returns why r cannot be applied, or "".
func validate(r Record) string {
	if r.ExternalID == "" {
		return "no external id"
	}
	for _, name := range sortedKeys(r.Attributes) {
		switch {
		case name == AttrManager:
			return "manager must be given as a manager reference, not an attribute"
		case !isCanonical(name):
			return fmt.Sprintf("unknown attribute %q", name)
		}
	}
	if v, ok := r.Attributes[AttrStatus]; ok && v != "" && !store.Status(v).Valid() {
		return fmt.Sprintf("status %q is not active, disabled or terminated", v)
	}
	return ""
}

// assertedAttrs is what a record asserts, as kept on its link.
func assertedAttrs(r Record) map[string]string {
	m := make(map[string]string, len(r.Attributes)+2)
	maps.Copy(m, r.Attributes)
	if r.DN != "" {
		m[attrDN] = r.DN
	}
	if r.Manager != nil && r.Manager.IsZero() {
		m[AttrManager] = "" // asserted: no manager
	}
	return m
}

// sameAssertion reports whether l already holds exactly what r asserts.
// The resolved manager is derived, so it is compared through the reference.
func sameAssertion(l *store.SourceLink, r Record) bool {
	if l.ManagerRef != encodeRef(r.Manager) || !bytes.Equal(l.Raw, r.Raw) {
		return false
	}
	want := assertedAttrs(r)
	count := 0
	for k, v := range l.Attributes {
		if k == AttrManager {
			continue
		}
		count++
		if w, ok := want[k]; !ok || w != v {
			return false
		}
	}
	delete(want, AttrManager)
	if count != len(want) {
		return false
	}
	_, had := l.Attributes[AttrManager]
	assertsNone := r.Manager != nil && r.Manager.IsZero()
	return l.ManagerRef != "" || had == assertsNone
}

func (b *batch) upsert(ctx context.Context, i int, r Record) error {
	if reason := validate(r); reason != "" {
		b.reject(i, r.ExternalID, ErrInvalid, reason)
		return nil
	}
	var e *linkEntry
	if b.in.Changes[i].New {
		if _, known := b.links[r.ExternalID]; known {
			b.reject(i, r.ExternalID, ErrInvalid, "a new record's external id is already in the batch")
			return nil
		}
		e = &linkEntry{}
		b.links[r.ExternalID] = e
	} else {
		var err error
		if e, err = b.link(ctx, r.ExternalID); err != nil {
			return err
		}
	}
	if e.link != nil {
		ps, err := b.person(ctx, e.link.PersonID, true)
		if err != nil {
			return err
		}
		if sameAssertion(e.link, r) {
			b.accept(Applied{Index: i, ExternalID: r.ExternalID, PersonID: ps.p.ID})
			return nil
		}
		b.setLink(e, r, ps.p.ID)
		b.markDirty(ps)
		b.accept(Applied{Index: i, ExternalID: r.ExternalID, PersonID: ps.p.ID, Changed: true})
		return nil
	}

	asserted := assertedAttrs(r)
	personID, kind, reason, err := b.correlate(ctx, asserted)
	if err != nil {
		return err
	}
	if reason != "" {
		b.reject(i, r.ExternalID, kind, reason)
		return nil
	}
	created := false
	var ps *personState
	if personID != "" {
		if ps, err = b.person(ctx, personID, true); err != nil {
			return err
		}
		for _, l := range ps.links {
			if l.Source == b.source {
				b.reject(i, r.ExternalID, ErrLinkConflict, fmt.Sprintf(
					"matches person %s, which is already linked to record %q of source %q", personID, l.ExternalID, b.source))
				return nil
			}
		}
	} else {
		if !b.hasMatchKey(asserted) {
			b.reject(i, r.ExternalID, ErrInvalid, fmt.Sprintf("new person without any match key (%s)", b.matchKeyNames()))
			return nil
		}
		ps = &personState{
			p:           store.Person{ID: uuid.Must(uuid.NewV7()).String(), CreatedAt: b.now},
			isNew:       true,
			linksLoaded: true,
		}
		b.persons[ps.p.ID] = ps
		created = true
	}
	b.setLink(e, r, ps.p.ID)
	ps.links = append(ps.links, e.link)
	ps.linked = append(ps.linked, r.ExternalID)
	b.markDirty(ps)
	if created {
		setPersonAttrs(&ps.p, values(ps.eff))
	}
	b.accept(Applied{Index: i, ExternalID: r.ExternalID, PersonID: ps.p.ID, Created: created, Changed: true, Linked: true})
	return nil
}

// setLink makes e hold what r asserts for person. A resolved manager is
// kept while the reference is unchanged; resolveManagers re-checks it.
func (b *batch) setLink(e *linkEntry, r Record, personID string) {
	attrs := assertedAttrs(r)
	ref := encodeRef(r.Manager)
	l := store.SourceLink{
		Source: b.source, ExternalID: r.ExternalID, PersonID: personID,
		ManagerRef: ref, Raw: r.Raw, AssertedAt: b.now, CreatedAt: b.now, UpdatedAt: b.now,
	}
	if e.link != nil {
		l.CreatedAt = e.link.CreatedAt
		if old, ok := e.link.Attributes[AttrManager]; ok && ref != "" && e.link.ManagerRef == ref {
			attrs[AttrManager] = old
		}
	}
	l.Attributes = attrs
	if e.link == nil {
		e.link = &l
	} else {
		*e.link = l // persons hold the same pointer
	}
	b.touch(r.ExternalID, e)
	if r.DN != "" {
		k := strings.ToLower(r.DN)
		b.dnIndex[k] = append(b.dnIndex[k], r.ExternalID)
	}
	if ref != "" {
		b.pending = append(b.pending, pendingRef{externalID: r.ExternalID, applied: len(b.res.Applied)})
	}
}

func (b *batch) touch(externalID string, e *linkEntry) {
	if !e.touched {
		e.touched = true
		b.linkOrder = append(b.linkOrder, externalID)
	}
}

func (b *batch) unlink(ctx context.Context, i int, r Record) error {
	if r.ExternalID == "" {
		b.reject(i, r.ExternalID, ErrInvalid, "no external id")
		return nil
	}
	e, err := b.link(ctx, r.ExternalID)
	if err != nil {
		return err
	}
	if e.link == nil {
		b.reject(i, r.ExternalID, ErrNotLinked, fmt.Sprintf("source %q has no record %q", b.source, r.ExternalID))
		return nil
	}
	ps, err := b.person(ctx, e.link.PersonID, true)
	if err != nil {
		return err
	}
	for j, l := range ps.links {
		if l == e.link {
			ps.links = append(ps.links[:j], ps.links[j+1:]...)
			break
		}
	}
	e.link = nil
	b.touch(r.ExternalID, e)
	ps.unlinked = append(ps.unlinked, r.ExternalID)
	b.markDirty(ps)
	b.accept(Applied{Index: i, ExternalID: r.ExternalID, PersonID: ps.p.ID, Changed: true})
	return nil
}

// link returns the entry for externalID of the batch's source, reading it
// from the store the first time.
func (b *batch) link(ctx context.Context, externalID string) (*linkEntry, error) {
	if e, ok := b.links[externalID]; ok {
		return e, nil
	}
	l, err := b.tx.GetSourceLink(ctx, b.source, externalID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		e := &linkEntry{}
		b.links[externalID] = e
		return e, nil
	case err != nil:
		return nil, fmt.Errorf("get link %s/%s: %w", b.source, externalID, err)
	}
	return b.register(l), nil
}

// register records a link read from the store, unless the batch already
// knows (and may have changed) it.
func (b *batch) register(l store.SourceLink) *linkEntry {
	if e, ok := b.links[l.ExternalID]; ok {
		return e
	}
	e := &linkEntry{link: &l, inDB: true}
	b.links[l.ExternalID] = e
	return e
}

// person returns the state of person id, reading it (and, with withLinks,
// all of its links) from the store when not yet known.
func (b *batch) person(ctx context.Context, id string, withLinks bool) (*personState, error) {
	ps, ok := b.persons[id]
	if !ok {
		p, err := b.tx.GetPerson(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("get person %s: %w", id, err)
		}
		ps = &personState{p: p}
		b.persons[id] = ps
	}
	if withLinks && !ps.linksLoaded {
		links, err := b.tx.ListSourceLinks(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("list links of person %s: %w", id, err)
		}
		for _, l := range links {
			if l.Source != b.source {
				l := l
				ps.links = append(ps.links, &l)
				continue
			}
			if e := b.register(l); e.link != nil && e.link.PersonID == id {
				ps.links = append(ps.links, e.link)
			}
		}
		ps.linksLoaded = true
	}
	return ps, nil
}

// markDirty queues ps for recompute and refreshes its effective attributes
// and match-key index entries.
func (b *batch) markDirty(ps *personState) {
	if !ps.dirty {
		ps.dirty = true
		b.dirty = append(b.dirty, ps)
	}
	ps.eff = b.cfg.merge(ps.links)
	for _, k := range b.cfg.matchKeys {
		if v := ps.attr(string(k)); v != "" {
			key := string(k) + "\x00" + strings.ToLower(v)
			b.keyIndex[key] = append(b.keyIndex[key], ps)
		}
	}
}

// attr is the person's effective value of a canonical attribute as the
// batch stands. A person left without links keeps its last attributes (it
// is terminated, not blanked), so those are what it still matches on.
func (ps *personState) attr(name string) string {
	if !ps.dirty || len(ps.links) == 0 {
		return personAttr(&ps.p, name)
	}
	return ps.eff[name].Value
}

// prefetch reads what planning the batch will ask for in a few
// statements: the links of every record, then, for records not linked
// yet, the persons each match key value names. Planning then finds them in
// memory; the store is not written until the write pass, so they stay
// what the store holds.
func (b *batch) prefetch(ctx context.Context) error {
	ids := make([]string, 0, len(b.in.Changes))
	for _, c := range b.in.Changes {
		if c.Record.ExternalID != "" {
			if _, ok := b.links[c.Record.ExternalID]; !ok {
				b.links[c.Record.ExternalID] = nil // placeholder, replaced below
				ids = append(ids, c.Record.ExternalID)
			}
		}
	}
	for _, id := range ids {
		delete(b.links, id)
	}
	links, err := b.tx.GetSourceLinks(ctx, b.source, ids)
	if err != nil {
		return fmt.Errorf("get links of %s: %w", b.source, err)
	}
	for _, l := range links {
		b.register(l)
	}
	for _, id := range ids {
		if _, ok := b.links[id]; !ok {
			b.links[id] = &linkEntry{}
		}
	}
	if err := b.prefetchPersons(ctx, links); err != nil {
		return err
	}
	for _, k := range b.cfg.matchKeys {
		var values []string
		seen := map[string]bool{}
		for _, c := range b.in.Changes {
			if c.Op != OpUpsert {
				continue
			}
			if e := b.links[c.Record.ExternalID]; e == nil || e.link != nil {
				continue
			}
			v := c.Record.Attributes[string(k)]
			// Only ASCII values: the database's lower() and Go's agree on
			// those; others are looked up one at a time as before.
			if lv := strings.ToLower(v); v != "" && isASCII(v) && !seen[lv] {
				seen[lv] = true
				values = append(values, lv)
			}
		}
		if len(values) == 0 {
			continue
		}
		persons, err := b.tx.FindPersonsIn(ctx, k, values)
		if err != nil {
			return fmt.Errorf("find persons by %s: %w", k, err)
		}
		m := make(map[string][]string, len(values))
		for _, v := range values {
			m[v] = nil
		}
		for _, p := range persons {
			lv := strings.ToLower(personAttr(&p, string(k)))
			if _, ok := m[lv]; ok {
				m[lv] = append(m[lv], p.ID)
			}
		}
		b.found[k] = m
	}
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// prefetchPersons loads the persons of the links found, with all their
// links, as person(ctx, id, true) would one at a time.
func (b *batch) prefetchPersons(ctx context.Context, links []store.SourceLink) error {
	var ids []string
	for _, l := range links {
		if _, ok := b.persons[l.PersonID]; !ok {
			b.persons[l.PersonID] = nil // placeholder, set below
			ids = append(ids, l.PersonID)
		}
	}
	for _, id := range ids {
		delete(b.persons, id)
	}
	if len(ids) == 0 {
		return nil
	}
	persons, err := b.tx.GetPersons(ctx, ids)
	if err != nil {
		return fmt.Errorf("get persons: %w", err)
	}
	all, err := b.tx.ListSourceLinksOf(ctx, ids)
	if err != nil {
		return fmt.Errorf("list links of persons: %w", err)
	}
	byPerson := map[string][]store.SourceLink{}
	for _, l := range all {
		byPerson[l.PersonID] = append(byPerson[l.PersonID], l)
	}
	for _, p := range persons {
		ps := &personState{p: p, linksLoaded: true}
		b.persons[p.ID] = ps
		for _, l := range byPerson[p.ID] {
			if l.Source != b.source {
				l := l
				ps.links = append(ps.links, &l)
				continue
			}
			if e := b.register(l); e.link != nil && e.link.PersonID == p.ID {
				ps.links = append(ps.links, e.link)
			}
		}
	}
	return nil
}
