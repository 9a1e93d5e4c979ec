package nhi_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/authz"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestLeaverFlow: an owner is disabled by the IdP (a SCIM push of
// active:false becomes status "disabled" through identity.Service.Apply);
// the next evaluation routes each of their NHIs to their manager as a
// re-ownership task. One task is accepted (owner reassigned, finding
// resolves); the other passes its deadline and the default action applies.
func TestLeaverFlow(t *testing.T) {
	for _, action := range []string{nhi.ActionFlag, nhi.ActionDisable} {
		t.Run(action, func(t *testing.T) {
			gormtest.ForEach(t, func(t *testing.T, s *gormstore.Store) {
				ctx := t.Context()
				f := newFixture(t, s)
				f.svc.Remediation.DefaultAction = action
				written := &recordingDisabler{}
				f.svc.Disablers = map[string]nhi.Disabler{"ldap": written}
				boss := f.person(t, "boss", "", "")
				owner := f.person(t, "owner", "", "boss")
				db := f.nhi(t, store.NHI{Name: "svc-db", OwnerID: owner.ID})
				ci := f.nhi(t, store.NHI{Name: "svc-ci", OwnerID: owner.ID})
				if sum := f.evaluate(t); sum.Opened != 0 || sum.TasksCreated != 0 {
					t.Fatalf("before leaving: %+v", sum)
				}

				f.clock.Advance(time.Hour)
				left := f.person(t, "owner", "disabled", "boss")
				if left.ID != owner.ID || left.Status != store.StatusDisabled {
					t.Fatalf("owner after the push: %+v", left)
				}
				sum := f.evaluate(t)
				if sum.Opened != 2 || sum.TasksCreated != 2 {
					t.Fatalf("after leaving: %+v", sum)
				}
				tasks, err := s.ListTasks(ctx, store.TaskQuery{State: store.TaskOpen})
				if err != nil || len(tasks) != 2 {
					t.Fatalf("tasks %v %+v", err, tasks)
				}
				byNHI := map[string]store.ReownershipTask{}
				for _, k := range tasks {
					if k.Route != store.RouteManager || k.AssigneeID != boss.ID || k.FormerOwnerID != owner.ID ||
						!k.Deadline.Equal(f.clock.t.Add(7*24*time.Hour)) {
						t.Fatalf("task %+v", k)
					}
					byNHI[k.NHIID] = k
				}

				// The manager takes over svc-db.
				f.clock.Advance(time.Hour)
				if _, err := f.svc.AcceptTask(ctx, authz.Principal{PersonID: boss.ID}, "person:"+boss.ID, byNHI[db.ID].ID, boss.ID); err != nil {
					t.Fatal(err)
				}
				if _, err := f.svc.AcceptTask(ctx, authz.Principal{PersonID: boss.ID}, "person:"+boss.ID, byNHI[db.ID].ID, boss.ID); err == nil {
					t.Fatal("accepting a closed task twice succeeded")
				}
				if _, err := f.svc.AcceptTask(ctx, authz.Principal{PersonID: boss.ID}, "person:"+boss.ID, byNHI[ci.ID].ID, owner.ID); err == nil {
					t.Fatal("an inactive person accepted as new owner")
				}
				got, _ := s.GetNHI(ctx, db.ID)
				if got.OwnerID != boss.ID {
					t.Fatalf("svc-db owner %q, want the manager", got.OwnerID)
				}
				wantStrings(t, "findings after accept", openFindings(t, s), []string{"svc-ci owner-inactive"})

				// Nobody takes svc-ci: the deadline passes.
				f.clock.Advance(8 * 24 * time.Hour)
				sum = f.evaluate(t)
				if sum.TasksExpired != 1 || sum.TasksCreated != 0 {
					t.Fatalf("after the deadline: %+v", sum)
				}
				k, err := s.GetTask(ctx, byNHI[ci.ID].ID)
				if err != nil || k.State != store.TaskExpired || k.Action != action {
					t.Fatalf("expired task %v %+v", err, k)
				}
				got, _ = s.GetNHI(ctx, ci.ID)
				actions := auditActions(t, s)
				switch action {
				case nhi.ActionFlag:
					if got.Status != store.NHIActive || count(actions, "nhi.flagged_for_disablement") != 1 {
						t.Fatalf("flag: status %s, audit %v", got.Status, actions)
					}
					wantStrings(t, "findings after flag", openFindings(t, s), []string{"svc-ci owner-inactive"})
					if len(written.names) != 0 {
						t.Fatalf("flagging wrote back to the source: %v", written.names)
					}
				case nhi.ActionDisable:
					if got.Status != store.NHIDisabled || count(actions, "nhi.disabled") != 1 {
						t.Fatalf("disable: status %s, audit %v", got.Status, actions)
					}
					if len(written.names) != 1 || written.names[0] != "svc-ci" {
						t.Fatalf("written back to the source: %v", written.names)
					}
					wantStrings(t, "findings after disable", openFindings(t, s), nil)
				}
				for _, a := range []string{"nhi.task.created", "nhi.task.accepted", "nhi.task.expired"} {
					if count(actions, a) == 0 {
						t.Fatalf("no %s audit event: %v", a, actions)
					}
				}
				// The expired task's action stands: no new task for the same leaver.
				if sum := f.evaluate(t); sum.TasksCreated != 0 || sum.TasksExpired != 0 {
					t.Fatalf("evaluation after expiry: %+v", sum)
				}
			})
		})
	}
}

// recordingDisabler stands in for the LDAP write-back (the pull engineer's
// code, not merged yet): it records what it was asked to disable.
type recordingDisabler struct{ names []string }

func (r *recordingDisabler) DisableNHI(_ context.Context, n store.NHI) error {
	r.names = append(r.names, n.Name)
	return nil
}

// TestDisableWriteBackFailureRollsBack: when the source refuses, nothing
// of the expiry is kept and the next evaluation tries again.
func TestDisableWriteBackFailureRollsBack(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, s *gormstore.Store) {
		f := newFixture(t, s)
		f.svc.Remediation.DefaultAction = nhi.ActionDisable
		f.svc.Disablers = map[string]nhi.Disabler{"ldap": failingDisabler{}}
		f.person(t, "boss", "", "")
		owner := f.person(t, "owner", "", "boss")
		n := f.nhi(t, store.NHI{Name: "svc-x", OwnerID: owner.ID})
		f.person(t, "owner", "terminated", "boss")
		f.evaluate(t)
		f.clock.Advance(8 * 24 * time.Hour)
		if _, err := f.svc.Evaluate(t.Context()); err == nil || !strings.Contains(err.Error(), "directory says no") {
			t.Fatalf("evaluate with a failing write-back: %v", err)
		}
		got, _ := s.GetNHI(t.Context(), n.ID)
		tasks, _ := s.ListTasks(t.Context(), store.TaskQuery{NHIID: n.ID, State: store.TaskOpen})
		if got.Status != store.NHIActive || len(tasks) != 1 {
			t.Fatalf("after the failed write-back: status %s, open tasks %d", got.Status, len(tasks))
		}
	})
}

type failingDisabler struct{}

func (failingDisabler) DisableNHI(context.Context, store.NHI) error {
	return errors.New("directory says no")
}
