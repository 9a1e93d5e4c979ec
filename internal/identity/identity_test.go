package identity_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// testConfig has one source of each role and the Finance rules of the
// issue.
func testConfig() identity.Config {
	return identity.Config{
		Sources: map[string]identity.SourceRole{"workday": identity.RoleHR, "ldap": identity.RoleDirectory, "okta": identity.RoleIdP},
		Rules: []identity.Rule{
			{Name: "finance-accountant", JobFunction: "accountant", When: `person.department == "Finance" && person.title == "Accountant"`},
			{Name: "finance-controller", JobFunction: "controller", When: `person.department == "Finance" && person.title == "Controller"`},
		},
	}
}

// clock is a test clock advancing one second per call.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { c.t = c.t.Add(time.Second); return c.t }

func newService(t *testing.T, st store.Store, cfg identity.Config) *identity.Service {
	t.Helper()
	c := &clock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	svc, err := identity.New(cfg, st, identity.WithNow(c.Now))
	if err != nil {
		t.Fatalf("new service: %v", err)
	}
	return svc
}

func upsert(ext string, attrs map[string]string) identity.Change {
	return identity.Change{Op: identity.OpUpsert, Record: identity.Record{ExternalID: ext, Attributes: attrs}}
}

func unlink(ext string) identity.Change {
	return identity.Change{Op: identity.OpUnlink, Record: identity.Record{ExternalID: ext}}
}

func apply(t *testing.T, svc *identity.Service, source string, changes ...identity.Change) identity.Result {
	t.Helper()
	res, err := svc.Apply(t.Context(), identity.Batch{Source: source, Changes: changes})
	if err != nil {
		t.Fatalf("apply %s: %v", source, err)
	}
	return res
}

func mustApplied(t *testing.T, res identity.Result) []identity.Applied {
	t.Helper()
	if len(res.Rejected) > 0 {
		t.Fatalf("rejected: %+v", res.Rejected)
	}
	return res.Applied
}

func person(t *testing.T, st store.Store, id string) store.Person {
	t.Helper()
	p, err := st.GetPerson(t.Context(), id)
	if err != nil {
		t.Fatalf("get person %s: %v", id, err)
	}
	return p
}

func openFunctions(t *testing.T, st store.Store, id string) []string {
	t.Helper()
	as, err := st.ListJobFunctions(t.Context(), id, false)
	if err != nil {
		t.Fatalf("list job functions: %v", err)
	}
	var out []string
	for _, a := range as {
		out = append(out, a.JobFunction+"/"+a.Rule)
	}
	slices.Sort(out)
	return out
}

func moverEvents(t *testing.T, st store.Store, id string) []store.MoverEvent {
	t.Helper()
	evs, err := st.ListMoverEvents(t.Context(), id)
	if err != nil {
		t.Fatalf("list mover events: %v", err)
	}
	return evs
}

func auditActions(t *testing.T, st store.Store) []string {
	t.Helper()
	if _, err := audit.Verify(t.Context(), st); err != nil {
		t.Fatalf("audit chain: %v", err)
	}
	evs, err := st.ListAudit(t.Context(), 0, 10000)
	if err != nil {
		t.Fatalf("list audit: %v", err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Action)
	}
	return out
}

// TestMover is the done-when case.
func TestMover(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		svc := newService(t, st, testConfig())
		applied := mustApplied(t, apply(t, svc, "workday", upsert("w1", map[string]string{
			"employeeNumber": "E1", "department": "Finance", "title": "Accountant", "email": "ann@example.com",
		})))
		id := applied[0].PersonID
		if !applied[0].Created || applied[0].Status != store.StatusActive {
			t.Fatalf("applied = %+v, want a created active person", applied[0])
		}
		if got, want := openFunctions(t, st, id), []string{"accountant/finance-accountant"}; !slices.Equal(got, want) {
			t.Fatalf("job functions = %v, want %v", got, want)
		}
		if evs := moverEvents(t, st, id); len(evs) != 0 {
			t.Fatalf("a new person got mover events: %+v", evs)
		}

		mustApplied(t, apply(t, svc, "workday", upsert("w1", map[string]string{
			"employeeNumber": "E1", "department": "Finance", "title": "Controller", "email": "ann@example.com",
		})))
		if got, want := openFunctions(t, st, id), []string{"controller/finance-controller"}; !slices.Equal(got, want) {
			t.Fatalf("job functions = %v, want %v", got, want)
		}
		history, err := st.ListJobFunctions(t.Context(), id, true)
		if err != nil {
			t.Fatal(err)
		}
		var closed int
		for _, a := range history {
			if a.JobFunction == "accountant" && !a.Open() {
				closed++
			}
		}
		if closed != 1 || len(history) != 2 {
			t.Fatalf("history = %+v, want the accountant assignment closed and controller open", history)
		}
		evs := moverEvents(t, st, id)
		if len(evs) != 1 {
			t.Fatalf("mover events = %+v, want exactly one", evs)
		}
		ev := evs[0]
		if !slices.Equal(ev.Old, []string{"accountant"}) || !slices.Equal(ev.New, []string{"controller"}) ||
			!strings.Contains(ev.Cause, `title changed from "Accountant" to "Controller"`) || !strings.Contains(ev.Cause, `"workday"`) {
			t.Fatalf("mover event = %+v", ev)
		}
		if got, want := auditActions(t, st), []string{"person.created", "person.updated", "jobfunction.changed"}; !slices.Equal(got, want) {
			t.Fatalf("audit = %v, want %v", got, want)
		}
	})
}

func TestCorrelation(t *testing.T) {
	// Every case starts from the same persons, created by workday.
	seed := []identity.Change{
		upsert("w1", map[string]string{"employeeNumber": "E100", "email": "ann@example.com", "userName": "ann"}),
		upsert("w2", map[string]string{"email": "bob@example.com", "userName": "bob"}),
		upsert("w3", map[string]string{"userName": "Cy"}),
		upsert("w4", map[string]string{"email": "shared@example.com"}),
		upsert("w5", map[string]string{"employeeNumber": "E500"}),
	}
	// Once linked, a record keeps its person whatever it asserts: so two
	// persons come to share an email.
	seed2 := upsert("w5", map[string]string{"employeeNumber": "E500", "email": "shared@example.com"})
	tests := []struct {
		name    string
		source  string
		attrs   map[string]string
		want    string // external id of the workday record it must join; "" for a new person
		rejects error
	}{
		{name: "employee number, case-insensitive", source: "okta", attrs: map[string]string{"employeeNumber": "e100", "email": "other@example.com"}, want: "w1"},
		{name: "email when no employee number", source: "okta", attrs: map[string]string{"email": "BOB@example.com"}, want: "w2"},
		{name: "userName last", source: "okta", attrs: map[string]string{"userName": "cy"}, want: "w3"},
		{name: "no match makes a new person", source: "okta", attrs: map[string]string{"email": "dee@example.com"}},
		{name: "one key matching two persons is ambiguous", source: "okta", attrs: map[string]string{"email": "shared@example.com"}, rejects: identity.ErrAmbiguous},
		{name: "keys pointing at different persons are ambiguous", source: "okta", attrs: map[string]string{"employeeNumber": "E100", "email": "bob@example.com"}, rejects: identity.ErrAmbiguous},
		{name: "same source, other record: not stolen", source: "workday", attrs: map[string]string{"email": "bob@example.com"}, rejects: identity.ErrLinkConflict},
		{name: "new person needs a match key", source: "okta", attrs: map[string]string{"title": "Nobody"}, rejects: identity.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
				svc := newService(t, st, testConfig())
				ids := map[string]string{}
				for _, a := range mustApplied(t, apply(t, svc, "workday", seed...)) {
					ids[a.ExternalID] = a.PersonID
				}
				mustApplied(t, apply(t, svc, "workday", seed2))
				res := apply(t, svc, tc.source, upsert("x1", tc.attrs))
				if tc.rejects != nil {
					if len(res.Rejected) != 1 || !errors.Is(res.Rejected[0].Err, tc.rejects) || res.Rejected[0].Reason == "" {
						t.Fatalf("result = %+v, want rejected with %v", res, tc.rejects)
					}
					if _, err := st.GetSourceLink(t.Context(), tc.source, "x1"); !errors.Is(err, store.ErrNotFound) {
						t.Fatalf("rejected record was linked: %v", err)
					}
					return
				}
				a := mustApplied(t, res)[0]
				if tc.want == "" {
					if !a.Created {
						t.Fatalf("applied = %+v, want a new person", a)
					}
					return
				}
				if a.Created || !a.Linked || a.PersonID != ids[tc.want] {
					t.Fatalf("applied = %+v, want linked to %s (%s)", a, tc.want, ids[tc.want])
				}
			})
		})
	}
}

func TestPrecedence(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		svc := newService(t, st, testConfig())
		id := mustApplied(t, apply(t, svc, "workday", upsert("w1", map[string]string{
			"employeeNumber": "E1", "title": "Accountant", "userName": "hr-name", "email": "hr@example.com",
		})))[0].PersonID
		mustApplied(t, apply(t, svc, "okta", upsert("o1", map[string]string{
			"employeeNumber": "E1", "title": "CEO", "userName": "ann", "email": "ann@example.com",
		})))
		p := person(t, st, id)
		if p.Title != "Accountant" || p.UserName != "ann" || p.Email != "ann@example.com" {
			t.Fatalf("person = %+v: want HR's title and the IdP's userName and email", p)
		}
		// HR changes its userName: the IdP's still wins, nothing effective changes.
		mustApplied(t, apply(t, svc, "workday", upsert("w1", map[string]string{
			"employeeNumber": "E1", "title": "Accountant", "userName": "other", "email": "hr@example.com",
		})))
		if p2 := person(t, st, id); p2.UserName != "ann" || !p2.UpdatedAt.Equal(p.UpdatedAt) {
			t.Fatalf("person = %+v: HR overwrote the IdP's userName or the person was rewritten", p2)
		}
		// Status: HR first. The IdP disabling does not win over HR's active.
		mustApplied(t, apply(t, svc, "workday", upsert("w1", map[string]string{
			"employeeNumber": "E1", "title": "Accountant", "userName": "other", "email": "hr@example.com", "status": "active",
		})))
		mustApplied(t, apply(t, svc, "okta", upsert("o1", map[string]string{
			"employeeNumber": "E1", "title": "CEO", "userName": "ann", "email": "ann@example.com", "status": "disabled",
		})))
		if p := person(t, st, id); p.Status != store.StatusActive {
			t.Fatalf("status = %q, want HR's active", p.Status)
		}
	})
}

func TestNoopResync(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		svc := newService(t, st, testConfig())
		batch := []identity.Change{
			{Op: identity.OpUpsert, Record: identity.Record{ExternalID: "l1", DN: "cn=a", Manager: &identity.ManagerRef{DN: "cn=b"},
				Attributes: map[string]string{"email": "a@example.com", "department": "Finance", "title": "Accountant"}, Raw: []byte(`{"a":1}`)}},
			{Op: identity.OpUpsert, Record: identity.Record{ExternalID: "l2", DN: "cn=b", Manager: &identity.ManagerRef{},
				Attributes: map[string]string{"email": "b@example.com", "title": ""}}},
		}
		mustApplied(t, apply(t, svc, "ldap", batch...))
		before := auditActions(t, st)
		for _, a := range mustApplied(t, apply(t, svc, "ldap", batch...)) {
			if a.Changed || a.Created || a.Linked || a.Status != store.StatusActive {
				t.Fatalf("resync applied = %+v, want unchanged", a)
			}
		}
		if after := auditActions(t, st); len(after) != len(before) {
			t.Fatalf("resync wrote audit events: %v", after[len(before):])
		}
	})
}

func TestInvalidRecordRejectedOthersApplied(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		svc := newService(t, st, testConfig())
		res := apply(t, svc, "okta",
			upsert("o1", map[string]string{"email": "a@example.com"}),
			upsert("", map[string]string{"email": "b@example.com"}),
			upsert("o3", map[string]string{"email": "c@example.com", "status": "retired"}),
			upsert("o4", map[string]string{"email": "d@example.com", "shoeSize": "9"}),
			unlink("never-seen"),
			upsert("o6", map[string]string{"email": "f@example.com"}),
		)
		var rejected []int
		for _, r := range res.Rejected {
			rejected = append(rejected, r.Index)
		}
		if !slices.Equal(rejected, []int{1, 2, 3, 4}) || len(res.Applied) != 2 {
			t.Fatalf("result = %+v", res)
		}
		if !errors.Is(res.Rejected[3].Err, identity.ErrNotLinked) {
			t.Fatalf("unlink of an unknown record: %+v", res.Rejected[3])
		}
		n, err := st.CountPersons(t.Context(), store.PersonQuery{})
		if err != nil || n != 2 {
			t.Fatalf("persons = %d, %v; want 2", n, err)
		}
		_, err = svc.ApplyOne(t.Context(), "okta", "", upsert("o7", map[string]string{"status": "gone"}))
		var rej *identity.RejectedError
		if !errors.As(err, &rej) || !errors.Is(err, identity.ErrInvalid) || !strings.HasPrefix(err.Error(), "identity: ") {
			t.Fatalf("ApplyOne error = %v, want a *RejectedError wrapping ErrInvalid", err)
		}
	})
}

func TestUnlink(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		svc := newService(t, st, testConfig())
		id := mustApplied(t, apply(t, svc, "workday", upsert("w1", map[string]string{
			"employeeNumber": "E1", "email": "hr@example.com", "department": "Finance", "title": "Accountant",
		})))[0].PersonID
		mustApplied(t, apply(t, svc, "okta", upsert("o1", map[string]string{"employeeNumber": "E1", "email": "ann@example.com", "status": "active"})))
		if p := person(t, st, id); p.Email != "ann@example.com" {
			t.Fatalf("email = %q, want the IdP's", p.Email)
		}

		// Unlinking the IdP recomputes: HR's email is what remains.
		a := mustApplied(t, apply(t, svc, "okta", unlink("o1")))[0]
		if a.PersonID != id || a.Status != store.StatusActive {
			t.Fatalf("applied = %+v", a)
		}
		if p := person(t, st, id); p.Email != "hr@example.com" {
			t.Fatalf("email = %q, want HR's after the IdP unlinked", p.Email)
		}

		// The last link gone: terminated, not deleted; job functions closed.
		a = mustApplied(t, apply(t, svc, "workday", unlink("w1")))[0]
		p := person(t, st, id)
		if a.Status != store.StatusTerminated || p.Status != store.StatusTerminated ||
			p.StatusCause != "no source asserts this person any more" || p.StatusChangedAt.IsZero() || p.Title != "Accountant" {
			t.Fatalf("person = %+v, want terminated keeping its attributes", p)
		}
		if got := openFunctions(t, st, id); len(got) != 0 {
			t.Fatalf("terminated person holds %v", got)
		}
		evs := moverEvents(t, st, id)
		if len(evs) != 1 || !strings.HasPrefix(evs[0].Cause, "terminated: ") || len(evs[0].New) != 0 {
			t.Fatalf("mover events = %+v", evs)
		}
		want := []string{"person.created", "person.linked", "person.updated", "person.unlinked", "person.updated",
			"person.unlinked", "person.status_changed", "jobfunction.changed"}
		if got := auditActions(t, st); !slices.Equal(got, want) {
			t.Fatalf("audit = %v, want %v", got, want)
		}

		// Coming back (rehire) links the same person again, active.
		a = mustApplied(t, apply(t, svc, "workday", upsert("w9", map[string]string{"employeeNumber": "e1", "department": "Finance", "title": "Accountant"})))[0]
		if a.PersonID != id || a.Created || a.Status != store.StatusActive {
			t.Fatalf("rehire = %+v", a)
		}
		if got := openFunctions(t, st, id); !slices.Equal(got, []string{"accountant/finance-accountant"}) {
			t.Fatalf("rehired person holds %v", got)
		}
	})
}

func TestStatusTerminatedByHR(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		svc := newService(t, st, testConfig())
		attrs := map[string]string{"employeeNumber": "E1", "department": "Finance", "title": "Accountant"}
		id := mustApplied(t, apply(t, svc, "workday", upsert("w1", attrs)))[0].PersonID
		attrs["status"] = "disabled"
		mustApplied(t, apply(t, svc, "workday", upsert("w1", attrs)))
		if got := openFunctions(t, st, id); len(got) != 1 {
			t.Fatalf("disabled person lost job functions: %v", got)
		}
		attrs["status"] = "terminated"
		a := mustApplied(t, apply(t, svc, "workday", upsert("w1", attrs)))[0]
		p := person(t, st, id)
		if a.Status != store.StatusTerminated || p.StatusCause != `status asserted by source "workday"` {
			t.Fatalf("person = %+v", p)
		}
		if got := openFunctions(t, st, id); len(got) != 0 {
			t.Fatalf("terminated person holds %v", got)
		}
	})
}

// failingStore fails the n-th person created (CreatePerson or
// CreatePersons) inside a transaction: a store
// error a real database cannot produce on demand mid-batch.
type failingStore struct {
	store.Store
	n int
}

type failingTx struct {
	store.Tx
	s *failingStore
}

func (f *failingStore) InTx(ctx context.Context, fn func(store.Tx) error) error {
	return f.Store.InTx(ctx, func(tx store.Tx) error { return fn(failingTx{Tx: tx, s: f}) })
}

func (f failingTx) CreatePerson(ctx context.Context, p store.Person) (store.Person, error) {
	if f.s.n--; f.s.n == 0 {
		return store.Person{}, errors.New("disk on fire")
	}
	return f.Tx.CreatePerson(ctx, p)
}

// CreatePersons fails when the n-th person is among ps.
func (f failingTx) CreatePersons(ctx context.Context, ps []store.Person) ([]store.Person, error) {
	for range ps {
		if f.s.n--; f.s.n == 0 {
			return nil, errors.New("disk on fire")
		}
	}
	return f.Tx.CreatePersons(ctx, ps)
}

func TestStoreFailureWritesNothing(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		tests := []struct {
			name string
			st   store.Store
			ctx  func() context.Context
		}{
			{name: "store error on the third person", st: &failingStore{Store: st, n: 3}, ctx: t.Context},
			{name: "cancelled context", st: st, ctx: func() context.Context {
				ctx, cancel := context.WithCancel(t.Context())
				cancel()
				return ctx
			}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				svc := newService(t, tc.st, testConfig())
				var changes []identity.Change
				for _, e := range []string{"a", "b", "c", "d"} {
					changes = append(changes, upsert(e, map[string]string{"email": e + "@example.com", "department": "Finance", "title": "Accountant"}))
				}
				if _, err := svc.Apply(tc.ctx(), identity.Batch{Source: "okta", Changes: changes}); err == nil || !strings.HasPrefix(err.Error(), "identity: ") {
					t.Fatalf("apply error = %v, want an identity error", err)
				}
				n, err := st.CountPersons(t.Context(), store.PersonQuery{})
				if err != nil || n != 0 {
					t.Fatalf("persons = %d, %v; want none", n, err)
				}
				if got := auditActions(t, st); len(got) != 0 {
					t.Fatalf("audit = %v, want none", got)
				}
			})
		}
	})
}
