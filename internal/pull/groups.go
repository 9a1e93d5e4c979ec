package pull

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/membership"
	"github.com/syncd-dev/syncd/internal/source"
	"github.com/syncd-dev/syncd/internal/store"
)

func (p *pass) audit(ctx context.Context, tx store.Tx, action, target string, details any) error {
	_, err := audit.Append(ctx, tx, p.r.now(), audit.Entry{Actor: "source:" + p.src, Action: action, Target: target, Details: details})
	return err
}

// members resolves a group's members to person IDs of this source and
// NHI IDs of its service accounts, both sorted, from the in-memory maps
// (prefetched for incremental runs); other members (nested groups, DNs
// naming nothing syncd knows) are left out.
func (p *pass) members(g source.Group) (persons, nhis []string) {
	for _, dn := range g.MemberDNs {
		key := lower(dn)
		if id := p.dnToPerson[key]; id != "" {
			persons = append(persons, id)
		} else if id := p.dnToNHI[key]; id != "" {
			nhis = append(nhis, id)
		}
	}
	for _, ext := range g.MemberIDs {
		if id := p.idToPerson[ext]; id != "" {
			persons = append(persons, id)
		}
	}
	slices.Sort(persons)
	slices.Sort(nhis)
	return slices.Compact(persons), slices.Compact(nhis)
}

// membersDigest identifies a member set: what a group's stored digest is
// compared with before its members are read.
func membersDigest(persons, nhis []string) string {
	// The same bytes as writing each id and separator to h, in a buffer
	// (a conversion per id to write it would allocate).
	h := sha256.New()
	buf := make([]byte, 0, 16<<10)
	add := func(s string, sep byte) {
		if len(buf)+len(s)+1 > cap(buf) {
			h.Write(buf)
			buf = buf[:0]
		}
		buf = append(append(buf, s...), sep)
	}
	for _, id := range persons {
		add(id, 0)
	}
	add("", 1)
	for _, id := range nhis {
		add(id, 0)
	}
	h.Write(buf)
	return hex.EncodeToString(h.Sum(nil))
}

// prefetch fills the DN and external-id maps for every member and owner
// reference of this run that an incremental run has not resolved yet:
// one query per thousand DNs instead of one per member. A full run has
// every link loaded already.
func (p *pass) prefetch(ctx context.Context) error {
	if !p.lazy {
		return nil
	}
	var dns []string
	want := func(dn string) {
		key := lower(dn)
		if _, ok := p.dnToPerson[key]; !ok {
			p.dnToPerson[key] = "" // asked once
			dns = append(dns, key)
		}
	}
	for _, g := range p.groups {
		for _, dn := range g.MemberDNs {
			want(dn)
		}
	}
	for _, a := range p.services {
		if strings.Contains(a.OwnerRef, "=") {
			want(a.OwnerRef)
		}
	}
	if len(dns) > 0 {
		found, err := p.r.Store.ResolveLinkDNs(ctx, p.src, dns)
		if err != nil {
			return fmt.Errorf("pull: %s: resolve member DNs: %w", p.src, err)
		}
		for dn, id := range found {
			p.dnToPerson[dn] = id
		}
	}
	for _, g := range p.groups {
		for _, ext := range g.MemberIDs {
			if _, ok := p.idToPerson[ext]; ok {
				continue
			}
			l, err := p.r.Store.GetSourceLink(ctx, p.src, ext)
			switch {
			case errors.Is(err, store.ErrNotFound):
				p.idToPerson[ext] = ""
			case err != nil:
				return fmt.Errorf("pull: %s: get link %s: %w", p.src, ext, err)
			default:
				p.idToPerson[ext] = l.PersonID
			}
		}
	}
	return nil
}

// groupWork is a group the source asserted that differs from what the
// store holds.
type groupWork struct {
	g       source.Group
	persons []string
	nhis    []string
	digest  string
	state   store.GroupState
	exists  bool
}

// Bounds of one group transaction: many small groups share one, a huge
// group (all staff) has its own.
const (
	groupsPerTx  = 200
	membersPerTx = 50000
)

// applyGroups compares every group the source asserted with the stored
// state read in one query: a group whose names and member digest are
// unchanged is not touched. Changed groups are written many to a
// transaction. With complete, the source's groups it did not return and
// the source confirms are gone are deleted.
func (p *pass) applyGroups(ctx context.Context, src source.Source, complete bool) error {
	if len(p.groups) == 0 && !complete {
		return nil
	}
	states, err := p.r.Store.ListGroupStates(ctx, p.src)
	if err != nil {
		return fmt.Errorf("pull: %s: list groups: %w", p.src, err)
	}
	byExt := make(map[string]store.GroupState, len(states))
	for _, st := range states {
		byExt[st.ExternalID] = st
	}
	seen := make(map[string]bool, len(p.groups))
	var (
		pending []groupWork
		weight  int
	)
	for i := range p.groups {
		g := p.groups[i]
		p.groups[i] = source.Group{} // let the member DNs go once applied
		seen[g.ExternalID] = true
		persons, nhis := p.members(g)
		digest := membersDigest(persons, nhis)
		st, ok := byExt[g.ExternalID]
		if ok && st.DisplayName == g.Name && st.Description == g.Description && st.Digest == digest {
			continue
		}
		g.MemberDNs, g.MemberIDs = nil, nil
		pending = append(pending, groupWork{g: g, persons: persons, nhis: nhis, digest: digest, state: st, exists: ok})
		weight += len(persons) + len(nhis) + 1
		if len(pending) >= groupsPerTx || weight >= membersPerTx {
			if err := p.writeGroups(ctx, pending); err != nil {
				return err
			}
			pending, weight = nil, 0
		}
	}
	if err := p.writeGroups(ctx, pending); err != nil {
		return err
	}
	p.groups = nil
	if !complete {
		return nil
	}
	var vanished []store.GroupState
	for _, st := range states {
		if !seen[st.ExternalID] {
			vanished = append(vanished, st)
		}
	}
	if len(vanished) == 0 {
		return nil
	}
	refs := make([]source.Ref, len(vanished))
	for i, st := range vanished {
		refs[i] = source.Ref{Kind: source.KindGroup, ExternalID: st.ExternalID}
	}
	absent, ok := p.confirmAbsent(ctx, src, "groups", refs)
	if !ok {
		return ctx.Err()
	}
	gone := map[string]bool{}
	for _, r := range absent {
		gone[r.ExternalID] = true
	}
	for _, st := range vanished {
		if !gone[st.ExternalID] {
			continue
		}
		err := p.r.Store.InTx(ctx, func(tx store.Tx) error {
			members, err := tx.ListGroupMembers(ctx, st.ID)
			if err != nil {
				return err
			}
			nhis, err := tx.ListGroupNHIMembers(ctx, st.ID)
			if err != nil {
				return err
			}
			if err := tx.DeleteGroup(ctx, st.ID); err != nil {
				return err
			}
			return p.audit(ctx, tx, audit.ActionGroupDeleted, "group:"+st.ID, map[string]any{
				"source": p.src, "externalId": st.ExternalID, "name": st.DisplayName, "members": members, "nhiMembers": nhis,
				"cause": "not returned by a complete read of the source, and confirmed gone"})
		})
		if err != nil {
			return fmt.Errorf("pull: %s: delete vanished group %s: %w", p.src, st.DisplayName, err)
		}
	}
	return nil
}

// writeGroups applies ws in one transaction: the new groups with their
// members in a few multi-row inserts, the changed ones by their member
// diffs, and every audit event in one append at the end. A name conflict
// aborts it; the groups are then applied one transaction each, so only
// the conflicting group is rejected.
func (p *pass) writeGroups(ctx context.Context, ws []groupWork) error {
	if len(ws) == 0 {
		return nil
	}
	err := p.r.Store.InTx(ctx, func(tx store.Tx) error {
		var q auditQueue
		if err := membership.Write(ctx, tx, p.r.now(), func(mw *membership.Writes) error {
			var fresh []*groupWork
			for i := range ws {
				if !ws[i].exists {
					fresh = append(fresh, &ws[i])
					continue
				}
				if err := p.applyGroup(ctx, tx, mw, &ws[i], &q); err != nil {
					return err
				}
			}
			return p.createGroups(ctx, mw, fresh, &q)
		}); err != nil {
			return err
		}
		return p.appendAudit(ctx, tx, q)
	})
	if !errors.Is(err, store.ErrConflict) || len(ws) == 1 {
		return p.groupErr(ws[0], err)
	}
	for i := range ws {
		err := p.r.Store.InTx(ctx, func(tx store.Tx) error {
			var q auditQueue
			if err := membership.Write(ctx, tx, p.r.now(), func(mw *membership.Writes) error {
				return p.applyGroup(ctx, tx, mw, &ws[i], &q)
			}); err != nil {
				return err
			}
			return p.appendAudit(ctx, tx, q)
		})
		if err := p.groupErr(ws[i], err); err != nil {
			return err
		}
	}
	return nil
}

// auditQueue collects a transaction's audit events, appended together.
type auditQueue []audit.Entry

func (q *auditQueue) add(src, action, target string, details any) {
	*q = append(*q, audit.Entry{Actor: "source:" + src, Action: action, Target: target, Details: details})
}

func (p *pass) appendAudit(ctx context.Context, tx store.Tx, q auditQueue) error {
	_, err := audit.AppendAll(ctx, tx, p.r.now(), q...)
	return err
}

// createGroups inserts new groups with their members, audited as
// applyGroup audits a group it creates.
func (p *pass) createGroups(ctx context.Context, mw *membership.Writes, ws []*groupWork, q *auditQueue) error {
	if len(ws) == 0 {
		return nil
	}
	ng := make([]store.NewGroup, len(ws))
	for i, w := range ws {
		ng[i] = store.NewGroup{
			Group:   store.Group{Source: p.src, ExternalID: w.g.ExternalID, DisplayName: w.g.Name, Description: w.g.Description},
			Members: w.persons, NHIMembers: w.nhis, Digest: w.digest,
		}
	}
	created, err := mw.CreateGroups(ctx, "source:"+p.src, ng)
	if err != nil {
		return err
	}
	for i, w := range ws {
		q.add(p.src, audit.ActionGroupCreated, "group:"+created[i].ID, map[string]any{
			"source": p.src, "externalId": w.g.ExternalID, "name": w.g.Name, "dn": w.g.DN})
	}
	return nil
}

func (p *pass) groupErr(w groupWork, err error) error {
	switch {
	case errors.Is(err, store.ErrConflict):
		p.reject(w.g.ExternalID, fmt.Sprintf("group %s: another group of this source is named %q", w.g.DN, w.g.Name))
		return nil
	case err != nil:
		return fmt.Errorf("pull: %s: group %s: %w", p.src, w.g.DN, err)
	}
	return nil
}

// applyGroup writes one group: created or renamed, then only the members
// that differ added and removed, then the digest of what the source
// asserted. Clearing the digest first takes the group's row lock, so the
// members read next are not changed by anyone else before this
// transaction ends.
func (p *pass) applyGroup(ctx context.Context, tx store.Tx, mw *membership.Writes, w *groupWork, q *auditQueue) error {
	g := w.g
	id := w.state.ID
	switch {
	case !w.exists:
		cur, err := tx.CreateGroup(ctx, store.Group{Source: p.src, ExternalID: g.ExternalID, DisplayName: g.Name, Description: g.Description})
		if err != nil {
			return err
		}
		id = cur.ID
		q.add(p.src, audit.ActionGroupCreated, "group:"+id, map[string]any{
			"source": p.src, "externalId": g.ExternalID, "name": g.Name, "dn": g.DN})
	case w.state.DisplayName != g.Name || w.state.Description != g.Description:
		if _, err := tx.UpdateGroup(ctx, id, func(x store.Group) (store.Group, error) {
			x.DisplayName, x.Description, x.UpdatedAt = g.Name, g.Description, p.r.now()
			return x, nil
		}); err != nil {
			return err
		}
		q.add(p.src, audit.ActionGroupUpdated, "group:"+id, map[string]any{
			"source": p.src, "old": map[string]string{"name": w.state.DisplayName, "description": w.state.Description},
			"new": map[string]string{"name": g.Name, "description": g.Description}})
		if w.state.Digest == w.digest {
			return nil
		}
	}
	if w.exists {
		if err := tx.SetGroupDigest(ctx, id, ""); err != nil {
			return err
		}
	}
	var havePersons, haveNHIs []string
	if w.exists {
		var err error
		if havePersons, err = tx.ListGroupMembers(ctx, id); err != nil {
			return err
		}
		if haveNHIs, err = tx.ListGroupNHIMembers(ctx, id); err != nil {
			return err
		}
		// The database's collation need not be byte order.
		slices.Sort(havePersons)
		slices.Sort(haveNHIs)
	}
	// The whole member-set diff of the group, read under its lock, in
	// one call of the membership writer.
	added, removed := diff(havePersons, w.persons)
	addedNHI, removedNHI := diff(haveNHIs, w.nhis)
	if _, err := mw.Apply(ctx, "source:"+p.src, membership.Delta{
		GroupID: id, Source: p.src, Name: g.Name, Exact: true,
		Add: added, Remove: removed, AddNHIs: addedNHI, RemoveNHIs: removedNHI,
	}); err != nil {
		return err
	}
	return tx.SetGroupDigest(ctx, id, w.digest)
}

// diff returns what want adds to and removes from have (both sorted).
func diff(have, want []string) (added, removed []string) {
	for _, w := range want {
		if _, ok := slices.BinarySearch(have, w); !ok {
			added = append(added, w)
		}
	}
	for _, h := range have {
		if _, ok := slices.BinarySearch(want, h); !ok {
			removed = append(removed, h)
		}
	}
	return added, removed
}
