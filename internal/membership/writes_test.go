package membership_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/membership"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// Every way memberships change (a pushed delta, a pulled exact diff with
// NHIs, groups created with members, a deleted user leaving its groups)
// writes exactly the change and records it as group.members_changed with
// one payload shape.
func TestOneActionOnePayload(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		now := time.Now().UTC()
		var ps []string
		for i := range 4 {
			p, err := st.CreatePerson(ctx, store.Person{UserName: fmt.Sprintf("p%d", i), Status: store.StatusActive})
			if err != nil {
				t.Fatal(err)
			}
			ps = append(ps, p.ID)
		}
		slices.Sort(ps)
		bot, err := st.CreateNHI(ctx, store.NHI{Kind: store.KindServiceAccount, Name: "bot", Source: "ldap", Status: store.NHIActive})
		if err != nil {
			t.Fatal(err)
		}
		pushed, err := st.CreateGroup(ctx, store.Group{Source: "okta", DisplayName: "pushed"})
		if err != nil {
			t.Fatal(err)
		}
		write := func(fn func(w *membership.Writes) error) {
			t.Helper()
			if err := st.InTx(ctx, func(tx store.Tx) error { return membership.Write(ctx, tx, now, fn) }); err != nil {
				t.Fatal(err)
			}
		}
		var pulled store.Group
		write(func(w *membership.Writes) error {
			// A delta naming a member twice and a non-member to remove
			// records only what changed.
			a, err := w.Apply(ctx, "scim:okta", membership.Delta{GroupID: pushed.ID, Source: "okta", Name: "pushed", Add: []string{ps[0], ps[1], ps[0]}, Remove: []string{ps[2]}})
			if err != nil {
				return err
			}
			if !slices.Equal(a.Added, ps[:2]) || len(a.Removed) != 0 {
				return fmt.Errorf("delta applied %+v", a)
			}
			created, err := w.CreateGroups(ctx, "source:ldap", []store.NewGroup{{Group: store.Group{Source: "ldap", ExternalID: "g1", DisplayName: "pulled"},
				Members: []string{ps[0]}, NHIMembers: []string{bot.ID}}})
			if err != nil {
				return err
			}
			pulled = created[0]
			return nil
		})
		write(func(w *membership.Writes) error {
			_, err := w.Apply(ctx, "source:ldap", membership.Delta{GroupID: pulled.ID, Source: "ldap", Name: "pulled", Exact: true,
				Add: []string{ps[1], ps[2]}, Remove: []string{ps[0]}, RemoveNHIs: []string{bot.ID}})
			return err
		})
		write(func(w *membership.Writes) error {
			// Nothing changes: no event.
			_, err := w.Apply(ctx, "scim:okta", membership.Delta{GroupID: pushed.ID, Source: "okta", Name: "pushed", Add: []string{ps[1]}, Remove: []string{ps[3]}})
			return err
		})
		write(func(w *membership.Writes) error {
			return w.LeaveGroups(ctx, "scim:okta", "okta", ps[1], "user deleted")
		})

		if got, _ := st.ListGroupMembers(ctx, pushed.ID); !slices.Equal(got, ps[:1]) {
			t.Errorf("pushed group members %v, want %v", got, ps[:1])
		}
		if got, _ := st.ListGroupMembers(ctx, pulled.ID); !slices.Equal(got, ps[1:3]) {
			t.Errorf("pulled group members %v, want %v", got, ps[1:3])
		}
		if got, _ := st.ListGroupNHIMembers(ctx, pulled.ID); len(got) != 0 {
			t.Errorf("pulled group NHI members %v, want none", got)
		}

		evs, err := st.ListAudit(ctx, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		type ev struct {
			target         string
			added, removed []string
			keys           []string
		}
		var got []ev
		for _, e := range evs {
			if e.Action != audit.ActionGroupMembersChanged {
				t.Fatalf("unexpected action %q", e.Action)
			}
			var d map[string]any
			if err := json.Unmarshal(e.Details, &d); err != nil {
				t.Fatal(err)
			}
			got = append(got, ev{e.Target, strs(d["added"]), strs(d["removed"]), slices.Sorted(maps.Keys(d))})
		}
		base := []string{"added", "name", "removed", "source"}
		withNHIs := []string{"added", "addedNHIs", "name", "removed", "removedNHIs", "source"}
		want := []ev{
			{"group:" + pushed.ID, ps[:2], []string{}, base},
			{"group:" + pulled.ID, ps[:1], []string{}, withNHIs},
			{"group:" + pulled.ID, ps[1:3], ps[:1], withNHIs},
			{"group:" + pushed.ID, []string{}, ps[1:2], []string{"added", "cause", "name", "removed", "source"}},
		}
		if len(got) != len(want) {
			t.Fatalf("%d events, want %d: %+v", len(got), len(want), got)
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.target != w.target || !slices.Equal(g.added, w.added) || !slices.Equal(g.removed, w.removed) || !slices.Equal(g.keys, w.keys) {
				t.Errorf("event %d: %+v, want %+v", i, g, w)
			}
		}
	})
}

// NHI memberships are written only from an exact diff.
func TestNHIsNeedAnExactDelta(t *testing.T) {
	st := gormtest.SQLite(t)
	ctx := t.Context()
	g, err := st.CreateGroup(ctx, store.Group{Source: "ldap", DisplayName: "g"})
	if err != nil {
		t.Fatal(err)
	}
	err = st.InTx(ctx, func(tx store.Tx) error {
		return membership.Write(ctx, tx, time.Now(), func(w *membership.Writes) error {
			_, err := w.Apply(ctx, "x", membership.Delta{GroupID: g.ID, AddNHIs: []string{"n"}})
			return err
		})
	})
	if err == nil || errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an inexact NHI delta: %v", err)
	}
}

func strs(v any) []string {
	out := []string{}
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
