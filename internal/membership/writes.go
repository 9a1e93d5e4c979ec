package membership

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// Delta is one group's membership change: the persons and NHIs (directory
// service accounts) to add and to remove, as sets.
type Delta struct {
	GroupID string
	// Source and Name (the group's display name) are recorded in the
	// audit event.
	Source string
	Name   string
	Add    []string // person IDs
	Remove []string // person IDs
	// AddNHIs and RemoveNHIs are NHI IDs; only with Exact.
	AddNHIs    []string
	RemoveNHIs []string
	// Exact says the caller diffed against the member set it read under
	// the group's lock: Add holds no member and Remove only members, so
	// they are written as they are. Otherwise only the named memberships
	// are read, and the event names exactly those that changed.
	Exact bool
	// Cause, when set, says why (a deleted user, say).
	Cause string
}

// Applied is what a Delta changed.
type Applied struct {
	Added, Removed         []string
	AddedNHIs, RemovedNHIs []string
}

// Empty reports whether nothing changed.
func (a Applied) Empty() bool {
	return len(a.Added)+len(a.Removed)+len(a.AddedNHIs)+len(a.RemovedNHIs) == 0
}

// Writes are the membership changes of one transaction; their audit events
// are appended together when the transaction's work is done. Get one from
// Write; its methods are not safe for concurrent use.
type Writes struct {
	tx      store.Tx
	entries []audit.Entry
}

// Write runs fn with the membership writes of tx, then appends their audit
// events in one append, inside tx.
func Write(ctx context.Context, tx store.Tx, now time.Time, fn func(w *Writes) error) error {
	w := &Writes{tx: tx}
	if err := fn(w); err != nil {
		return err
	}
	if len(w.entries) == 0 {
		return nil
	}
	if _, err := audit.AppendAll(ctx, tx, now, w.entries...); err != nil {
		return fmt.Errorf("membership: audit: %w", err)
	}
	return nil
}

// removeChunk bounds the IDs of one delete statement.
const removeChunk = 1000

// Apply writes d and records the change as actor (none when nothing
// changed). Its cost follows the members named, never the group's size:
// one statement per set (per thousand removals), no query per member.
func (w *Writes) Apply(ctx context.Context, actor string, d Delta) (Applied, error) {
	var a Applied
	var err error
	if d.Exact {
		a, err = w.exact(ctx, d)
	} else {
		a, err = w.delta(ctx, d)
	}
	if err != nil {
		return Applied{}, fmt.Errorf("membership: group %s: %w", d.GroupID, err)
	}
	w.record(actor, d.GroupID, d.Source, d.Name, d.Cause, a)
	return a, nil
}

func (w *Writes) exact(ctx context.Context, d Delta) (Applied, error) {
	if len(d.Add) > 0 {
		if err := w.tx.AddGroupMembers(ctx, d.GroupID, d.Add); err != nil {
			return Applied{}, err
		}
	}
	for start := 0; start < len(d.Remove); start += removeChunk {
		if err := w.tx.RemoveGroupMembers(ctx, d.GroupID, d.Remove[start:min(start+removeChunk, len(d.Remove))]); err != nil {
			return Applied{}, err
		}
	}
	if len(d.AddNHIs) > 0 {
		if err := w.tx.AddGroupNHIMembers(ctx, d.GroupID, d.AddNHIs); err != nil {
			return Applied{}, err
		}
	}
	if len(d.RemoveNHIs) > 0 {
		if err := w.tx.RemoveGroupNHIMembers(ctx, d.GroupID, d.RemoveNHIs); err != nil {
			return Applied{}, err
		}
	}
	return Applied{Added: d.Add, Removed: d.Remove, AddedNHIs: d.AddNHIs, RemovedNHIs: d.RemoveNHIs}, nil
}

// errNHIDelta: NHI memberships are only written from a diff against the
// locked member set.
var errNHIDelta = errors.New("NHI members need an exact delta")

func (w *Writes) delta(ctx context.Context, d Delta) (Applied, error) {
	if len(d.AddNHIs)+len(d.RemoveNHIs) > 0 {
		return Applied{}, errNHIDelta
	}
	removed, err := w.tx.RemoveGroupMemberDelta(ctx, d.GroupID, d.Remove)
	if err != nil {
		return Applied{}, err
	}
	added, err := w.tx.AddGroupMemberDelta(ctx, d.GroupID, d.Add)
	if err != nil {
		return Applied{}, err
	}
	return Applied{Added: added, Removed: removed}, nil
}

// CreateGroups creates each group with its members (store.NewGroup) in a
// few multi-row inserts and records the members of each; the groups'
// own creation events are the caller's. ErrConflict as
// store.CreateGroupsWithMembers: then none is created.
func (w *Writes) CreateGroups(ctx context.Context, actor string, gs []store.NewGroup) ([]store.Group, error) {
	created, err := w.tx.CreateGroupsWithMembers(ctx, gs)
	if err != nil {
		return nil, fmt.Errorf("membership: create groups: %w", err)
	}
	for i, g := range gs {
		w.record(actor, created[i].ID, g.Group.Source, g.Group.DisplayName, "", Applied{Added: g.Members, AddedNHIs: g.NHIMembers})
	}
	return created, nil
}

// LeaveGroups removes the person from every group of source, recording
// each group's change with cause.
func (w *Writes) LeaveGroups(ctx context.Context, actor, source, personID, cause string) error {
	gs, err := w.tx.ListPersonGroups(ctx, personID, source)
	if err != nil || len(gs) == 0 {
		return err
	}
	if err := w.tx.RemovePersonFromGroups(ctx, personID, source); err != nil {
		return fmt.Errorf("membership: remove %s from the groups of %s: %w", personID, source, err)
	}
	for _, g := range gs {
		w.record(actor, g.ID, source, g.DisplayName, cause, Applied{Removed: []string{personID}})
	}
	return nil
}

// record queues the group.members_changed event of a; none when a is
// empty. The payload: source, name, added, removed (person IDs, never
// null), addedNHIs and removedNHIs when NHIs changed, cause when given.
func (w *Writes) record(actor, groupID, source, name, cause string, a Applied) {
	if a.Empty() {
		return
	}
	details := map[string]any{"source": source, "name": name, "added": nonNil(a.Added), "removed": nonNil(a.Removed)}
	if len(a.AddedNHIs)+len(a.RemovedNHIs) > 0 {
		details["addedNHIs"], details["removedNHIs"] = nonNil(a.AddedNHIs), nonNil(a.RemovedNHIs)
	}
	if cause != "" {
		details["cause"] = cause
	}
	w.entries = append(w.entries, audit.Entry{Actor: actor, Action: audit.ActionGroupMembersChanged, Target: "group:" + groupID, Details: details})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
