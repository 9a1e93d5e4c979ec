package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// TestTeamReownershipMail: a team member's notice about the team's
// re-ownership task is mailed to them while a task of that team is open,
// linking to the NHIs; once no team task is open, a later notice is
// dropped (nobody is reminded about finished work).
func TestTeamReownershipMail(t *testing.T) {
	f := newFixture(t, false)
	sec := f.person(t, "sec", "Sec Member", "sec@example.com")
	n, err := f.st.CreateNHI(t.Context(), store.NHI{Name: "svc-orphan", Source: "manual", ExternalID: "svc-orphan", Kind: store.NHIKind("service-account"), Status: store.NHIActive, CreatedAt: f.clk.now()})
	if err != nil {
		t.Fatal(err)
	}
	task, err := f.st.CreateTask(t.Context(), store.ReownershipTask{NHIID: n.ID, Route: store.RouteFallbackTeam, AssigneeTeam: "security",
		CreatedAt: f.clk.now(), Deadline: f.clk.now().Add(14 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	f.notice(t, sec.ID, "nhi.reownership", "nhi-tasks:team:security", "svc-orphan needs a new owner (assigned to your team security)", "team-1")
	f.drain(t)
	f.clk.add(2 * time.Minute)
	f.drain(t)
	ms := f.waitMail(t, 1)
	if len(ms) != 1 || ms[0].To[0] != "sec@example.com" || !strings.Contains(text(ms[0]), "svc-orphan needs a new owner") ||
		!strings.Contains(text(ms[0]), "https://syncd.example.com/tasks") {
		t.Fatalf("team mail:\n%s", describe(ms))
	}

	now := f.clk.now()
	if _, err := f.st.UpdateTask(t.Context(), task.ID, func(k store.ReownershipTask) (store.ReownershipTask, error) {
		k.State, k.ClosedAt, k.ClosedBy = store.TaskCancelled, &now, "system"
		return k, nil
	}); err != nil {
		t.Fatal(err)
	}
	f.clk.add(25 * time.Hour) // the next day's digest
	f.notice(t, sec.ID, "nhi.reownership", "nhi-tasks:team:security", "svc-other needs a new owner (assigned to your team security)", "team-2")
	f.drain(t)
	f.clk.add(2 * time.Minute)
	f.drain(t)
	if ms := f.sink.Messages(); len(ms) != 1 {
		t.Fatalf("mailed about a closed team task:\n%s", describe(ms))
	}
}
