package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var findingTests = []test{
	{"create, list, save, history", testFindingLifecycle},
	{"one live finding per nhi and rule", testFindingUniqueness},
	{"count by rule", testFindingCounts},
	{"batches larger than one statement", testFindingBatches},
	{"rolled back with the transaction", testFindingRollback},
}

var taskTests = []test{
	{"create, get, update, list", testTaskLifecycle},
	{"one open task per nhi", testTaskUniqueness},
	{"batch create", testTaskBatch},
}

var personRefTests = []test{
	{"lean view of every person", testPersonRefs},
}

func newNHI(t *testing.T, s store.Tx, name string) store.NHI {
	t.Helper()
	n, err := s.CreateNHI(t.Context(), store.NHI{Kind: store.KindServiceAccount, Name: name, Source: "api"})
	must(t, "create nhi "+name, err)
	return n
}

func testFindingLifecycle(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := newNHI(t, s, "a"), newNHI(t, s, "b")
	in := []store.Finding{
		{NHIID: a.ID, Rule: "no-owner", Reason: "no owner recorded", State: store.FindingOpen, OpenedAt: at(0)},
		{NHIID: b.ID, Rule: "unused", Reason: "unused for 100 days", State: store.FindingOpen, OpenedAt: at(0)},
	}
	fs, err := s.CreateFindings(ctx, in)
	must(t, "create", err)
	if len(fs) != 2 || fs[0].ID == 0 || fs[1].ID == 0 || fs[0].ID == fs[1].ID {
		t.Fatalf("created %+v", fs)
	}
	want0 := in[0]
	want0.ID, want0.OpenedAt, want0.UpdatedAt = fs[0].ID, stored(at(0)), stored(at(0))
	same(t, "created", fs[0], want0)
	got, err := s.GetFinding(ctx, fs[0].ID)
	must(t, "get", err)
	same(t, "get", got, want0)
	_, err = s.GetFinding(ctx, 999999)
	wantErr(t, "get missing", err, store.ErrNotFound)

	list, err := s.ListFindings(ctx, store.FindingQuery{})
	must(t, "list", err)
	if len(list) != 2 {
		t.Fatalf("listed %d findings, want 2", len(list))
	}
	list, err = s.ListFindings(ctx, store.FindingQuery{Rule: "unused"})
	must(t, "list by rule", err)
	if len(list) != 1 || list[0].NHIID != b.ID {
		t.Fatalf("listed by rule %+v", list)
	}
	list, err = s.ListFindings(ctx, store.FindingQuery{NHIID: a.ID})
	must(t, "list by nhi", err)
	if len(list) != 1 || list[0].Rule != "no-owner" {
		t.Fatalf("listed by nhi %+v", list)
	}

	ack := want0
	ack.State, ack.AckBy, ack.AckJustification, ack.AckExpiresAt, ack.UpdatedAt = store.FindingAcknowledged, "person:x", "migration", new(at(48*time.Hour)), at(time.Hour)
	must(t, "save ack", s.SaveFindings(ctx, []store.Finding{ack}))
	got, err = s.GetFinding(ctx, ack.ID)
	must(t, "get acked", err)
	ack.AckExpiresAt, ack.UpdatedAt = storedPtr(ack.AckExpiresAt), stored(ack.UpdatedAt)
	same(t, "acked", got, ack)

	res := ack
	res.State, res.ResolvedAt, res.UpdatedAt = store.FindingResolved, new(at(2*time.Hour)), at(2*time.Hour)
	must(t, "save resolved", s.SaveFindings(ctx, []store.Finding{res}))
	list, err = s.ListFindings(ctx, store.FindingQuery{})
	must(t, "list unresolved", err)
	if len(list) != 1 || list[0].ID != fs[1].ID {
		t.Fatalf("unresolved after resolve: %+v", list)
	}
	list, err = s.ListFindings(ctx, store.FindingQuery{States: []store.FindingState{store.FindingResolved}})
	must(t, "list resolved", err)
	if len(list) != 1 || list[0].ID != fs[0].ID || list[0].ResolvedAt == nil {
		t.Fatalf("resolved: %+v", list)
	}
	missing := res
	missing.ID = 999999
	wantErr(t, "save missing", s.SaveFindings(ctx, []store.Finding{missing}), store.ErrNotFound)

	must(t, "events", s.AddFindingEvents(ctx, []store.FindingEvent{
		{FindingID: fs[0].ID, At: at(0), Kind: "opened", Reason: "no owner recorded"},
		{FindingID: fs[0].ID, At: at(time.Hour), Kind: "acknowledged", Actor: "person:x", Reason: "migration"},
		{FindingID: fs[1].ID, At: at(0), Kind: "opened"},
		{FindingID: fs[0].ID, At: at(2 * time.Hour), Kind: "resolved"},
	}))
	evs, err := s.ListFindingEvents(ctx, fs[0].ID)
	must(t, "list events", err)
	kinds := []string{}
	for _, e := range evs {
		kinds = append(kinds, e.Kind)
	}
	same(t, "event kinds", kinds, []string{"opened", "acknowledged", "resolved"})
	if evs[1].Actor != "person:x" || evs[1].Reason != "migration" || !evs[1].At.Equal(stored(at(time.Hour))) {
		t.Fatalf("event %+v", evs[1])
	}

	// A resolved finding is history: the same rule may fire again.
	again, err := s.CreateFindings(ctx, []store.Finding{{NHIID: a.ID, Rule: "no-owner", State: store.FindingOpen}})
	must(t, "reopen as new finding", err)
	if again[0].ID == fs[0].ID {
		t.Fatal("a new finding reused the resolved one's id")
	}
	wantStamp(t, "OpenedAt", again[0].OpenedAt)
}

func testFindingUniqueness(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := newNHI(t, s, "a")
	_, err := s.CreateFindings(ctx, []store.Finding{{NHIID: a.ID, Rule: "no-owner", State: store.FindingOpen}})
	must(t, "create", err)
	_, err = s.CreateFindings(ctx, []store.Finding{{NHIID: a.ID, Rule: "no-owner", State: store.FindingAcknowledged}})
	wantErr(t, "second live finding", err, store.ErrConflict)
	_, err = s.CreateFindings(ctx, []store.Finding{{NHIID: a.ID, Rule: "unused", State: store.FindingOpen}})
	must(t, "other rule", err)
	_, err = s.CreateFindings(ctx, []store.Finding{{NHIID: "nope", Rule: "unused", State: store.FindingOpen}})
	if err == nil {
		t.Fatal("finding for a missing nhi was accepted")
	}
	_, err = s.CreateFindings(ctx, []store.Finding{{NHIID: a.ID, Rule: "x", State: "weird"}})
	if err == nil {
		t.Fatal("invalid state accepted")
	}
}

func testFindingCounts(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := newNHI(t, s, "a"), newNHI(t, s, "b")
	fs, err := s.CreateFindings(ctx, []store.Finding{
		{NHIID: a.ID, Rule: "no-owner", State: store.FindingOpen},
		{NHIID: b.ID, Rule: "no-owner", State: store.FindingAcknowledged},
		{NHIID: a.ID, Rule: "unused", State: store.FindingOpen},
	})
	must(t, "create", err)
	r := fs[2]
	r.State, r.ResolvedAt = store.FindingResolved, new(at(0))
	must(t, "resolve", s.SaveFindings(ctx, []store.Finding{r}))
	counts, err := s.CountOpenFindingsByRule(ctx)
	must(t, "count", err)
	same(t, "counts", counts, map[string]int{"no-owner": 2})
}

func testFindingBatches(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := newNHI(t, s, "a")
	var in []store.Finding
	for i := range 1203 {
		in = append(in, store.Finding{NHIID: a.ID, Rule: "r" + string(rune('a'+i%26)) + itoa(i), State: store.FindingOpen})
	}
	fs, err := s.CreateFindings(ctx, in)
	must(t, "create", err)
	seen := map[int64]bool{}
	for i, f := range fs {
		if f.ID == 0 || seen[f.ID] || f.Rule != in[i].Rule {
			t.Fatalf("finding %d: %+v", i, f)
		}
		seen[f.ID] = true
	}
	list, err := s.ListFindings(ctx, store.FindingQuery{Limit: store.All})
	must(t, "list all", err)
	if len(list) != len(in) {
		t.Fatalf("listed %d, want %d (store.All)", len(list), len(in))
	}
	page, err := s.ListFindings(ctx, store.FindingQuery{AfterID: list[99].ID, Limit: 10})
	must(t, "page", err)
	if len(page) != 10 || page[0].ID != list[100].ID {
		t.Fatalf("page after %d: %d items, first %d", list[99].ID, len(page), page[0].ID)
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func testFindingRollback(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := newNHI(t, s, "a")
	err := s.InTx(ctx, func(tx store.Tx) error {
		fs, err := tx.CreateFindings(ctx, []store.Finding{{NHIID: a.ID, Rule: "no-owner", State: store.FindingOpen}})
		if err != nil {
			return err
		}
		if err := tx.AddFindingEvents(ctx, []store.FindingEvent{{FindingID: fs[0].ID, Kind: "opened"}}); err != nil {
			return err
		}
		return errBoom
	})
	wantErr(t, "tx", err, errBoom)
	list, err := s.ListFindings(ctx, store.FindingQuery{})
	must(t, "list", err)
	if len(list) != 0 {
		t.Fatalf("rolled-back findings visible: %+v", list)
	}
}

func testTaskLifecycle(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := newNHI(t, s, "a"), newNHI(t, s, "b")
	in := store.ReownershipTask{NHIID: a.ID, FormerOwnerID: "p1", Route: store.RouteManager, AssigneeID: "p2", CreatedAt: at(0), Deadline: at(72 * time.Hour)}
	k, err := s.CreateTask(ctx, in)
	must(t, "create", err)
	want := in
	want.ID, want.State, want.CreatedAt, want.Deadline = k.ID, store.TaskOpen, stored(at(0)), stored(at(72*time.Hour))
	same(t, "created", k, want)
	got, err := s.GetTask(ctx, k.ID)
	must(t, "get", err)
	same(t, "get", got, want)
	_, err = s.GetTask(ctx, 424242)
	wantErr(t, "get missing", err, store.ErrNotFound)
	k2, err := s.CreateTask(ctx, store.ReownershipTask{NHIID: b.ID, Route: store.RouteFallbackTeam, AssigneeTeam: "sre", Deadline: at(time.Hour)})
	must(t, "create fallback", err)

	up, err := s.UpdateTask(ctx, k.ID, func(old store.ReownershipTask) (store.ReownershipTask, error) {
		old.State, old.ClosedAt, old.ClosedBy, old.NewOwnerID = store.TaskAccepted, new(at(time.Hour)), "person:p2", "p2"
		return old, nil
	})
	must(t, "update", err)
	want.State, want.ClosedAt, want.ClosedBy, want.NewOwnerID = store.TaskAccepted, storedPtr(new(at(time.Hour))), "person:p2", "p2"
	same(t, "updated", up, want)
	_, err = s.UpdateTask(ctx, k.ID, func(old store.ReownershipTask) (store.ReownershipTask, error) { return old, errBoom })
	wantErr(t, "fn error", err, errBoom)
	_, err = s.UpdateTask(ctx, 424242, func(old store.ReownershipTask) (store.ReownershipTask, error) { return old, nil })
	wantErr(t, "update missing", err, store.ErrNotFound)

	open, err := s.ListTasks(ctx, store.TaskQuery{State: store.TaskOpen})
	must(t, "list open", err)
	if len(open) != 1 || open[0].ID != k2.ID {
		t.Fatalf("open tasks %+v", open)
	}
	due, err := s.ListTasks(ctx, store.TaskQuery{State: store.TaskOpen, DueBefore: new(at(2 * time.Hour))})
	must(t, "list due", err)
	if len(due) != 1 || due[0].ID != k2.ID {
		t.Fatalf("due tasks %+v", due)
	}
	due, err = s.ListTasks(ctx, store.TaskQuery{DueBefore: new(at(30 * time.Minute))})
	must(t, "list due early", err)
	if len(due) != 0 {
		t.Fatalf("due early %+v", due)
	}
	mine, err := s.ListTasks(ctx, store.TaskQuery{AssigneeID: "p2"})
	must(t, "list by assignee", err)
	if len(mine) != 1 || mine[0].ID != k.ID {
		t.Fatalf("by assignee %+v", mine)
	}
	byNHI, err := s.ListTasks(ctx, store.TaskQuery{NHIID: b.ID})
	must(t, "list by nhi", err)
	if len(byNHI) != 1 || byNHI[0].AssigneeTeam != "sre" {
		t.Fatalf("by nhi %+v", byNHI)
	}
	for _, tc := range []struct {
		name string
		q    store.TaskQuery
		want []int64
	}{
		{"assignee or team", store.TaskQuery{AssigneeID: "p2", AssigneeTeams: []string{"SRE"}}, []int64{k.ID, k2.ID}},
		{"team alone, any case", store.TaskQuery{AssigneeTeams: []string{"ops", "Sre"}}, []int64{k2.ID}},
		{"another team", store.TaskQuery{AssigneeID: "p9", AssigneeTeams: []string{"ops"}}, nil},
		{"an empty team name is nobody's", store.TaskQuery{AssigneeTeams: []string{""}}, nil},
		{"teams with a state", store.TaskQuery{AssigneeID: "p2", AssigneeTeams: []string{"sre"}, State: store.TaskAccepted}, []int64{k.ID}},
	} {
		got, err := s.ListTasks(ctx, tc.q)
		must(t, "list "+tc.name, err)
		var ids []int64
		for _, x := range got {
			ids = append(ids, x.ID)
		}
		if !slices.Equal(ids, tc.want) {
			t.Fatalf("%s: tasks %v, want %v", tc.name, ids, tc.want)
		}
	}
}

func testTaskUniqueness(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := newNHI(t, s, "a")
	k, err := s.CreateTask(ctx, store.ReownershipTask{NHIID: a.ID, Route: store.RouteManager, AssigneeID: "m", Deadline: at(time.Hour)})
	must(t, "create", err)
	_, err = s.CreateTask(ctx, store.ReownershipTask{NHIID: a.ID, Route: store.RouteManager, AssigneeID: "m", Deadline: at(time.Hour)})
	wantErr(t, "second open task", err, store.ErrConflict)
	_, err = s.UpdateTask(ctx, k.ID, func(old store.ReownershipTask) (store.ReownershipTask, error) {
		old.State, old.Action = store.TaskExpired, "flag-for-disablement"
		return old, nil
	})
	must(t, "expire", err)
	_, err = s.CreateTask(ctx, store.ReownershipTask{NHIID: a.ID, Route: store.RouteManager, AssigneeID: "m", Deadline: at(time.Hour)})
	must(t, "new task after the old closed", err)
	_, err = s.CreateTask(ctx, store.ReownershipTask{NHIID: a.ID, Route: "nowhere", Deadline: at(time.Hour)})
	if err == nil {
		t.Fatal("invalid route accepted")
	}
}

func testPersonRefs(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := newPerson(t, s, store.Person{UserName: "boss", Email: "boss@example.com"})
	p := newPerson(t, s, store.Person{UserName: "emp", Email: "emp@example.com", ManagerID: m.ID, Status: store.StatusDisabled})
	refs, err := s.ListPersonRefs(ctx)
	must(t, "list", err)
	want := []store.PersonRef{
		{ID: m.ID, Status: store.StatusActive, UserName: "boss", Email: "boss@example.com"},
		{ID: p.ID, Status: store.StatusDisabled, ManagerID: m.ID, UserName: "emp", Email: "emp@example.com"},
	}
	if m.ID > p.ID {
		want[0], want[1] = want[1], want[0]
	}
	same(t, "refs", refs, want)
}

func testTaskBatch(t *testing.T, s store.Store) {
	ctx := t.Context()
	var in []store.ReownershipTask
	for i := range 1100 {
		n := newNHI(t, s, "n"+itoa(i))
		in = append(in, store.ReownershipTask{NHIID: n.ID, Route: store.RouteFallbackTeam, AssigneeTeam: "sre", Deadline: at(time.Hour)})
	}
	ks, err := s.CreateTasks(ctx, in)
	must(t, "create", err)
	seen := map[int64]bool{}
	for i, k := range ks {
		if k.ID == 0 || seen[k.ID] || k.NHIID != in[i].NHIID || k.State != store.TaskOpen {
			t.Fatalf("task %d: %+v", i, k)
		}
		seen[k.ID] = true
		wantStamp(t, "CreatedAt", k.CreatedAt)
	}
	got, err := s.GetTask(ctx, ks[1050].ID)
	must(t, "get", err)
	same(t, "get", got, ks[1050])
	_, err = s.CreateTasks(ctx, []store.ReownershipTask{{NHIID: in[0].NHIID, Route: store.RouteManager, AssigneeID: "m", Deadline: at(time.Hour)}})
	wantErr(t, "second open task", err, store.ErrConflict)
	none, err := s.CreateTasks(ctx, nil)
	must(t, "empty", err)
	if len(none) != 0 {
		t.Fatalf("empty batch returned %+v", none)
	}
}
