package nhi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestReownershipNotices: the tasks an owner's leaving opens record one
// nhi.reownership notice each for the assignee (the manager), in one
// subject so they are mailed as one digest; a second evaluation adds none.
func TestReownershipNotices(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, s *gormstore.Store) {
		ctx := t.Context()
		f := newFixture(t, s)
		boss := f.person(t, "boss", "", "")
		owner := f.person(t, "owner", "", "boss")
		f.nhi(t, store.NHI{Name: "svc-db", OwnerID: owner.ID})
		f.nhi(t, store.NHI{Name: "svc-ci", OwnerID: owner.ID})
		f.evaluate(t)
		f.clock.Advance(time.Hour)
		f.person(t, "owner", "disabled", "boss")
		if sum := f.evaluate(t); sum.TasksCreated != 2 {
			t.Fatalf("tasks: %+v", sum)
		}
		f.evaluate(t)
		ns, err := s.ListNotifications(ctx, boss.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, n := range ns {
			if n.Kind != "nhi.reownership" || n.Subject != "nhi-tasks" {
				t.Fatalf("notice %+v", n)
			}
			got = append(got, n.Message)
		}
		if len(got) != 2 || !strings.Contains(strings.Join(got, "|"), "svc-db needs a new owner") || !strings.Contains(strings.Join(got, "|"), "svc-ci needs a new owner") {
			t.Fatalf("boss's notices: %q", got)
		}
	})
}

// TestTeamReownershipNotices: a task routed to the fallback team (the
// leaver has no manager and no project) notifies the team's active
// members (the directory group named like the team), one notice each in
// the team's subject; an inactive member and outsiders get none.
func TestTeamReownershipNotices(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, s *gormstore.Store) {
		ctx := t.Context()
		f := newFixture(t, s)
		owner := f.person(t, "loner", "", "")
		m1 := f.person(t, "sec-one", "", "")
		m2 := f.person(t, "sec-two", "disabled", "")
		other := f.person(t, "bystander", "", "")
		g, err := s.CreateGroup(ctx, store.Group{Source: "idp", ExternalID: "grp-security", DisplayName: "Security"})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetGroupMembers(ctx, g.ID, []string{m1.ID, m2.ID}); err != nil {
			t.Fatal(err)
		}
		f.nhi(t, store.NHI{Name: "svc-orphan", OwnerID: owner.ID})
		f.evaluate(t)
		f.clock.Advance(time.Hour)
		f.person(t, "loner", "terminated", "")
		if sum := f.evaluate(t); sum.TasksCreated != 1 {
			t.Fatalf("tasks: %+v", sum)
		}
		f.evaluate(t) // a second evaluation adds no notice
		ns, err := s.ListNotifications(ctx, m1.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(ns) != 1 || ns[0].Kind != "nhi.reownership" || ns[0].Subject != "nhi-tasks:team:security" || !strings.Contains(ns[0].Message, "svc-orphan needs a new owner") {
			t.Fatalf("team member's notices: %+v", ns)
		}
		for _, p := range []store.Person{m2, other} {
			if ns, err := s.ListNotifications(ctx, p.ID, false); err != nil || len(ns) != 0 {
				t.Fatalf("%s's notices: %+v %v", p.UserName, ns, err)
			}
		}
	})
}
