package nhi_test

import (
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestOrphanScenario is the store-level equivalent of the slapd
// integration test: service accounts as the LDAP pull stores them, with an
// active owner, no owner, a leaver owner, a disabled owner, a dangling
// owner reference and an expired project.
func TestOrphanScenario(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, s *gormstore.Store) {
		ctx := t.Context()
		f := newFixture(t, s)
		f.person(t, "boss", "", "")
		alice := f.person(t, "alice", "", "boss")
		leaver := f.person(t, "leaver", "terminated", "boss")
		dis := f.person(t, "dis", "disabled", "")
		ended, err := f.svc.CreateProject(ctx, "test", nhi.ProjectInput{Name: "apollo", Owner: "alice", StartDate: f.clock.In(-400 * 24 * time.Hour), EndDate: f.clock.In(-24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		live, err := f.svc.CreateProject(ctx, "test", nhi.ProjectInput{Name: "zeus", Owner: "alice", EndDate: f.clock.In(365 * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		f.nhi(t, store.NHI{Name: "svc-ok", OwnerID: alice.ID, OwnerRef: "uid=alice", ProjectID: live.ID})
		f.nhi(t, store.NHI{Name: "svc-noowner"})
		svcLeaver := f.nhi(t, store.NHI{Name: "svc-leaver", OwnerID: leaver.ID, OwnerRef: "uid=leaver"})
		f.nhi(t, store.NHI{Name: "svc-disabled", OwnerID: dis.ID, OwnerRef: "uid=dis"})
		f.nhi(t, store.NHI{Name: "svc-dangling", OwnerRef: "uid=ghost,ou=people,dc=example,dc=org"})
		svcApollo := f.nhi(t, store.NHI{Name: "svc-apollo", OwnerID: alice.ID, ProjectID: ended.ID})
		f.nhi(t, store.NHI{Name: "svc-retired", Status: store.NHIRetired})

		sum := f.evaluate(t)
		want := []string{
			"svc-apollo project-ended", "svc-dangling no-owner", "svc-disabled owner-inactive",
			"svc-leaver owner-inactive", "svc-noowner no-owner",
		}
		wantStrings(t, "findings after first evaluation", openFindings(t, s), want)
		if sum.Opened != 5 || sum.NHIs != 6 || sum.TasksCreated != 2 || sum.OpenByRule[nhi.RuleNoOwner] != 2 {
			t.Fatalf("summary %+v", sum)
		}
		dangling, err := s.ListFindings(ctx, store.FindingQuery{Rule: nhi.RuleNoOwner})
		if err != nil {
			t.Fatal(err)
		}
		reasons := map[string]bool{}
		for _, d := range dangling {
			reasons[d.Reason] = true
		}
		if !reasons[`owner reference "uid=ghost,ou=people,dc=example,dc=org" resolves to nobody`] || !reasons["no owner recorded"] {
			t.Fatalf("no-owner reasons %v", reasons)
		}
		tasks, err := s.ListTasks(ctx, store.TaskQuery{State: store.TaskOpen})
		if err != nil {
			t.Fatal(err)
		}
		routes := map[string]string{}
		for _, k := range tasks {
			n, _ := s.GetNHI(ctx, k.NHIID)
			routes[n.Name] = k.Route + ":" + k.AssigneeTeam
		}
		if routes["svc-leaver"] != "manager:" || routes["svc-disabled"] != "fallback-team:security" {
			t.Fatalf("task routes %v", routes)
		}

		again := f.evaluate(t)
		if again.Counts != (nhi.Counts{}) || again.TasksCreated != 0 {
			t.Fatalf("second evaluation changed things: %+v", again)
		}

		// Fix two causes: reassign the leaver's account, extend the project.
		f.clock.Advance(time.Hour)
		if _, err := f.svc.UpdateNHI(ctx, "test", svcLeaver.ID, nhi.NHIPatch{Owner: new("alice")}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.UpdateProject(ctx, "test", ended.ID, nhi.ProjectPatch{EndDate: f.clock.In(90 * 24 * time.Hour)}, nil); err != nil {
			t.Fatal(err)
		}
		want = []string{"svc-dangling no-owner", "svc-disabled owner-inactive", "svc-noowner no-owner"}
		wantStrings(t, "findings after the fixes", openFindings(t, s), want)
		third := f.evaluate(t)
		if third.Counts != (nhi.Counts{}) {
			t.Fatalf("evaluation after fixes changed things: %+v", third)
		}
		wantStrings(t, "findings after re-evaluation", openFindings(t, s), want)

		resolved, err := s.ListFindings(ctx, store.FindingQuery{NHIID: svcApollo.ID, States: []store.FindingState{store.FindingResolved}})
		if err != nil || len(resolved) != 1 {
			t.Fatalf("resolved apollo finding: %v %+v", err, resolved)
		}
		evs, err := s.ListFindingEvents(ctx, resolved[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 2 || evs[0].Kind != nhi.EventOpened || evs[1].Kind != nhi.EventResolved || !evs[1].At.Equal(f.clock.t) {
			t.Fatalf("history %+v", evs)
		}
		leaverTasks, err := s.ListTasks(ctx, store.TaskQuery{NHIID: svcLeaver.ID})
		if err != nil || len(leaverTasks) != 1 || leaverTasks[0].State != store.TaskCancelled {
			t.Fatalf("leaver task after reassignment: %v %+v", err, leaverTasks)
		}
		actions := auditActions(t, s)
		for _, a := range []string{"nhi.findings.reconciled", "nhi.task.created", "nhi.task.cancelled", "nhi.updated", "project.updated"} {
			if count(actions, a) == 0 {
				t.Errorf("no %s audit event in %v", a, actions)
			}
		}
	})
}

// TestAcknowledgementExpires: an acknowledged finding stays out of the
// open set until its expiry, then reopens if it still fires.
func TestAcknowledgementExpires(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, s *gormstore.Store) {
		ctx := t.Context()
		f := newFixture(t, s)
		n := f.nhi(t, store.NHI{Name: "svc-x"})
		f.evaluate(t)
		fs, err := s.ListFindings(ctx, store.FindingQuery{NHIID: n.ID})
		if err != nil || len(fs) != 1 {
			t.Fatalf("findings %v %+v", err, fs)
		}
		if _, err := f.svc.Acknowledge(ctx, "person:p", fs[0].ID, "", *f.clock.In(time.Hour)); err == nil {
			t.Fatal("acknowledgement without justification accepted")
		}
		if _, err := f.svc.Acknowledge(ctx, "person:p", fs[0].ID, "migrating", *f.clock.In(-time.Hour)); err == nil {
			t.Fatal("acknowledgement expiring in the past accepted")
		}
		ack, err := f.svc.Acknowledge(ctx, "person:p", fs[0].ID, "owned by the migration team until cut-over", *f.clock.In(48 * time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if ack.State != store.FindingAcknowledged || ack.AckBy != "person:p" {
			t.Fatalf("ack %+v", ack)
		}
		f.clock.Advance(24 * time.Hour)
		if sum := f.evaluate(t); sum.Counts != (nhi.Counts{}) {
			t.Fatalf("evaluation before expiry: %+v", sum)
		}
		f.clock.Advance(25 * time.Hour)
		if sum := f.evaluate(t); sum.Reopened != 1 {
			t.Fatalf("evaluation after expiry: %+v", sum)
		}
		got, err := s.GetFinding(ctx, fs[0].ID)
		if err != nil || got.State != store.FindingOpen || got.AckExpiresAt != nil {
			t.Fatalf("after expiry: %v %+v", err, got)
		}
		evs, err := s.ListFindingEvents(ctx, fs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range evs {
			kinds = append(kinds, e.Kind)
		}
		wantStrings(t, "history", kinds, []string{nhi.EventOpened, nhi.EventAcknowledged, nhi.EventReopened})
		if count(auditActions(t, s), "nhi.finding.acknowledged") != 1 {
			t.Fatal("acknowledgement not audited")
		}
	})
}
