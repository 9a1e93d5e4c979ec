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
