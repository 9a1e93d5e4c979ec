package evidence

import (
	"testing"

	"github.com/syncd-dev/syncd/internal/store"
)

// TestAsOfFirstChangeWins: after the anchor a person changed title twice
// and status once; the person at the anchor has the old value of the first
// change of each. Other persons and other targets are untouched.
func TestAsOfFirstChangeWins(t *testing.T) {
	a := &asOf{attrs: map[string]map[string]string{}, status: map[string]store.Status{}}
	for _, ev := range []store.AuditEvent{
		{Seq: 11, Action: "person.updated", Target: "person:p1", Details: []byte(`{"changes":[{"attribute":"title","old":"Analyst","new":"Lead"},{"attribute":"manager","old":"m1","new":"m2"}]}`)},
		{Seq: 12, Action: "person.status_changed", Target: "person:p1", Details: []byte(`{"old":"active","new":"disabled"}`)},
		{Seq: 13, Action: "person.updated", Target: "person:p1", Details: []byte(`{"changes":[{"attribute":"title","old":"Lead","new":"Director"},{"attribute":"employeeNumber","old":"","new":"E9"}]}`)},
		{Seq: 14, Action: "person.status_changed", Target: "person:p1", Details: []byte(`{"old":"disabled","new":"terminated"}`)},
		{Seq: 15, Action: "person.updated", Target: "grant:g1", Details: []byte(`{"changes":[{"attribute":"title","old":"x","new":"y"}]}`)},
	} {
		if err := a.add(ev); err != nil {
			t.Fatal(err)
		}
	}
	now := store.Person{ID: "p1", Title: "Director", ManagerID: "m2", EmployeeNumber: "E9", Status: store.StatusTerminated, Department: "Sales"}
	got := a.person(now)
	want := store.Person{ID: "p1", Title: "Analyst", ManagerID: "m1", EmployeeNumber: "", Status: store.StatusActive, Department: "Sales"}
	if got != want {
		t.Fatalf("at the anchor: %+v, want %+v", got, want)
	}
	other := store.Person{ID: "p2", Title: "Director"}
	if a.person(other) != other {
		t.Fatalf("an unchanged person changed: %+v", a.person(other))
	}
	var none *asOf
	if none.person(now) != now {
		t.Fatal("no anchor changed the person")
	}
}
