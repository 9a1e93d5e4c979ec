package storetest

import (
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var jobFunctionTests = []test{
	{"open, close, history", testJobFunctionLifecycle},
	{"second open assignment conflicts", testJobFunctionDuplicate},
	{"close missing or closed", testJobFunctionCloseErrors},
	{"mover events", testMoverEvents},
}

func testJobFunctionLifecycle(t *testing.T, s store.Store) {
	ctx := t.Context()
	p := newPerson(t, s, store.Person{UserName: "ada"})
	dev, err := s.OpenJobFunction(ctx, store.JobFunctionAssignment{PersonID: p.ID, JobFunction: "developer", Rule: "r1", ValidFrom: at(0)})
	must(t, "open developer", err)
	if dev.ID == 0 || !dev.Open() {
		t.Fatalf("open returned %+v", dev)
	}
	same(t, "open", dev, store.JobFunctionAssignment{ID: dev.ID, PersonID: p.ID, JobFunction: "developer", Rule: "r1", ValidFrom: stored(at(0))})
	ops, err := s.OpenJobFunction(ctx, store.JobFunctionAssignment{PersonID: p.ID, JobFunction: "oncall", Rule: "r2"})
	must(t, "open oncall", err)
	wantStamp(t, "default ValidFrom", ops.ValidFrom)

	open, err := s.ListJobFunctions(ctx, p.ID, false)
	must(t, "list open", err)
	same(t, "open", open, []store.JobFunctionAssignment{dev, ops})

	must(t, "close", s.CloseJobFunction(ctx, dev.ID, at(time.Hour)))
	open, err = s.ListJobFunctions(ctx, p.ID, false)
	must(t, "list open", err)
	same(t, "open after close", open, []store.JobFunctionAssignment{ops})
	all, err := s.ListJobFunctions(ctx, p.ID, true)
	must(t, "list history", err)
	closed := dev
	end := stored(at(time.Hour))
	closed.ValidTo = &end
	same(t, "history", all, []store.JobFunctionAssignment{closed, ops})

	again, err := s.OpenJobFunction(ctx, store.JobFunctionAssignment{PersonID: p.ID, JobFunction: "developer", ValidFrom: at(2 * time.Hour)})
	must(t, "reopen after close", err)
	if again.ID == dev.ID {
		t.Fatal("reopen reused the closed assignment's ID")
	}
}

func testJobFunctionDuplicate(t *testing.T, s store.Store) {
	p := newPerson(t, s, store.Person{UserName: "ada"})
	_, err := s.OpenJobFunction(t.Context(), store.JobFunctionAssignment{PersonID: p.ID, JobFunction: "developer"})
	must(t, "open", err)
	_, err = s.OpenJobFunction(t.Context(), store.JobFunctionAssignment{PersonID: p.ID, JobFunction: "developer"})
	wantErr(t, "second open", err, store.ErrConflict)
	_, err = s.OpenJobFunction(t.Context(), store.JobFunctionAssignment{PersonID: "nobody", JobFunction: "developer"})
	wantErr(t, "unknown person", err, store.ErrNotFound)
}

func testJobFunctionCloseErrors(t *testing.T, s store.Store) {
	p := newPerson(t, s, store.Person{UserName: "ada"})
	wantErr(t, "close missing", s.CloseJobFunction(t.Context(), 4242, at(0)), store.ErrNotFound)
	a, err := s.OpenJobFunction(t.Context(), store.JobFunctionAssignment{PersonID: p.ID, JobFunction: "developer"})
	must(t, "open", err)
	must(t, "close", s.CloseJobFunction(t.Context(), a.ID, at(0)))
	wantErr(t, "close twice", s.CloseJobFunction(t.Context(), a.ID, at(time.Hour)), store.ErrConflict)
}

func testMoverEvents(t *testing.T, s store.Store) {
	ctx := t.Context()
	p := newPerson(t, s, store.Person{UserName: "ada"})
	q := newPerson(t, s, store.Person{UserName: "grace"})
	first, err := s.CreateMoverEvent(ctx, store.MoverEvent{PersonID: p.ID, New: []string{"developer"}, Cause: "hire", OccurredAt: at(0)})
	must(t, "create first", err)
	second, err := s.CreateMoverEvent(ctx, store.MoverEvent{PersonID: p.ID, Old: []string{"developer"}, New: []string{"manager", "oncall"}, Cause: "department change"})
	must(t, "create second", err)
	wantStamp(t, "default OccurredAt", second.OccurredAt)
	if first.ID == 0 || second.ID == first.ID {
		t.Fatalf("IDs %d, %d", first.ID, second.ID)
	}
	_, err = s.CreateMoverEvent(ctx, store.MoverEvent{PersonID: q.ID, Old: []string{"x"}})
	must(t, "create other", err)

	got, err := s.ListMoverEvents(ctx, p.ID)
	must(t, "list", err)
	same(t, "events", got, []store.MoverEvent{
		{ID: first.ID, PersonID: p.ID, New: []string{"developer"}, Cause: "hire", OccurredAt: stored(at(0))},
		second,
	})
}
