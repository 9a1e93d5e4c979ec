package storetest

import (
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var personTests = []test{
	{"create and get", testPersonCreateGet},
	{"create normalises times", testPersonTimes},
	{"create duplicate id", testPersonDuplicate},
	{"get missing", testPersonMissing},
	{"update", testPersonUpdate},
	{"update fn error", testPersonUpdateFnError},
	{"update concurrent", testPersonUpdateConcurrent},
	{"find", testPersonFind},
	{"list and count", testPersonList},
	{"list pagination", testPersonPagination},
}

// newPerson creates a person with the given user name and defaults.
func newPerson(t *testing.T, s store.Tx, p store.Person) store.Person {
	t.Helper()
	got, err := s.CreatePerson(t.Context(), p)
	must(t, "create person "+p.UserName, err)
	return got
}

func testPersonCreateGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	in := store.Person{
		UserName: "ada", Email: "ada@example.com", GivenName: "Ada", FamilyName: "Lovelace",
		DisplayName: "Ada Lovelace", EmployeeNumber: "E1", Title: "Analyst", Department: "Engineering",
		CostCenter: "CC1", Organization: "Org", Division: "Div", Status: store.StatusActive,
	}
	got, err := s.CreatePerson(ctx, in)
	must(t, "create", err)
	if got.ID == "" {
		t.Fatal("create: no ID assigned")
	}
	wantStamp(t, "CreatedAt", got.CreatedAt)
	wantStamp(t, "UpdatedAt", got.UpdatedAt)
	want := in
	want.ID, want.CreatedAt, want.UpdatedAt = got.ID, got.CreatedAt, got.UpdatedAt
	same(t, "create", got, want)

	read, err := s.GetPerson(ctx, got.ID)
	must(t, "get", err)
	same(t, "get", read, want)

	second := newPerson(t, s, store.Person{UserName: "grace"})
	if second.ID == got.ID {
		t.Fatalf("two persons share ID %s", got.ID)
	}
	if second.Status != store.StatusActive {
		t.Fatalf("default status %q, want active", second.Status)
	}
}

func testPersonTimes(t *testing.T, s store.Store) {
	in := store.Person{
		ID: "p-times", UserName: "t", Status: store.StatusDisabled, StatusCause: "hr",
		StatusChangedAt: at(0), CreatedAt: at(-2 * time.Hour), UpdatedAt: at(-time.Hour),
	}
	got := newPerson(t, s, in)
	want := in
	want.StatusChangedAt, want.CreatedAt, want.UpdatedAt = stored(in.StatusChangedAt), stored(in.CreatedAt), stored(in.UpdatedAt)
	same(t, "create", got, want)
	read, err := s.GetPerson(t.Context(), "p-times")
	must(t, "get", err)
	same(t, "get", read, want)
	wantStamp(t, "StatusChangedAt", read.StatusChangedAt)
	wantStamp(t, "CreatedAt", read.CreatedAt)
}

func testPersonDuplicate(t *testing.T, s store.Store) {
	newPerson(t, s, store.Person{ID: "p1", UserName: "a"})
	_, err := s.CreatePerson(t.Context(), store.Person{ID: "p1", UserName: "b"})
	wantErr(t, "duplicate id", err, store.ErrConflict)
}

func testPersonMissing(t *testing.T, s store.Store) {
	_, err := s.GetPerson(t.Context(), "nobody")
	wantErr(t, "get", err, store.ErrNotFound)
	_, err = s.UpdatePerson(t.Context(), "nobody", func(p store.Person) (store.Person, error) { return p, nil })
	wantErr(t, "update", err, store.ErrNotFound)
}

func testPersonUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	p := newPerson(t, s, store.Person{UserName: "ada", Title: "Analyst", CreatedAt: at(-2 * time.Hour), UpdatedAt: at(-2 * time.Hour)})
	got, err := s.UpdatePerson(ctx, p.ID, func(old store.Person) (store.Person, error) {
		same(t, "fn input", old, p)
		old.Title = "Engineer"
		old.ID = "changed"            // ignored
		old.CreatedAt = at(time.Hour) // ignored
		return old, nil
	})
	must(t, "update", err)
	if got.ID != p.ID || !got.CreatedAt.Equal(p.CreatedAt) || got.Title != "Engineer" {
		t.Fatalf("update returned %+v", got)
	}
	wantStamp(t, "UpdatedAt", got.UpdatedAt)
	if !got.UpdatedAt.After(p.UpdatedAt) {
		t.Fatalf("UpdatedAt %v not after %v", got.UpdatedAt, p.UpdatedAt)
	}
	read, err := s.GetPerson(ctx, p.ID)
	must(t, "get", err)
	same(t, "get after update", read, got)

	// An UpdatedAt set by fn is kept.
	got, err = s.UpdatePerson(ctx, p.ID, func(old store.Person) (store.Person, error) {
		old.UpdatedAt = at(time.Hour)
		return old, nil
	})
	must(t, "update with UpdatedAt", err)
	if !got.UpdatedAt.Equal(stored(at(time.Hour))) {
		t.Fatalf("UpdatedAt %v, want %v", got.UpdatedAt, stored(at(time.Hour)))
	}
}

func testPersonUpdateFnError(t *testing.T, s store.Store) {
	p := newPerson(t, s, store.Person{UserName: "ada", Title: "Analyst"})
	_, err := s.UpdatePerson(t.Context(), p.ID, func(old store.Person) (store.Person, error) {
		old.Title = "lost"
		return old, fmt.Errorf("rule says no: %w", errBoom)
	})
	wantErr(t, "update", err, errBoom)
	read, err := s.GetPerson(t.Context(), p.ID)
	must(t, "get", err)
	same(t, "unchanged", read, p)
}

// testPersonUpdateConcurrent increments a counter kept in DisplayName from
// several goroutines: the row lock must not lose an update.
func testPersonUpdateConcurrent(t *testing.T, s store.Store) {
	const workers, each = 8, 10
	p := newPerson(t, s, store.Person{UserName: "counter", DisplayName: "0"})
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Go(func() {
			for range each {
				_, err := s.UpdatePerson(t.Context(), p.ID, func(old store.Person) (store.Person, error) {
					n, err := strconv.Atoi(old.DisplayName)
					if err != nil {
						return old, err
					}
					old.DisplayName = strconv.Itoa(n + 1)
					return old, nil
				})
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, "concurrent update", err)
	}
	read, err := s.GetPerson(t.Context(), p.ID)
	must(t, "get", err)
	if want := strconv.Itoa(workers * each); read.DisplayName != want {
		t.Fatalf("counter %s, want %s: updates were lost", read.DisplayName, want)
	}
}

func testPersonFind(t *testing.T, s store.Store) {
	a := newPerson(t, s, store.Person{ID: "a", UserName: "Ada.L", Email: "Ada@Example.com", EmployeeNumber: "E-01"})
	b := newPerson(t, s, store.Person{ID: "b", UserName: "ada.l", Email: "other@example.com", EmployeeNumber: "e-02"})
	newPerson(t, s, store.Person{ID: "c", UserName: "grace", Email: "grace@example.com"})
	cases := []struct {
		name  string
		key   store.MatchKey
		value string
		want  []string
	}{
		{"userName folds case", store.MatchUserName, "ADA.L", []string{a.ID, b.ID}},
		{"email folds case", store.MatchEmail, "ada@EXAMPLE.com", []string{a.ID}},
		{"employee number", store.MatchEmployeeNumber, "E-02", []string{b.ID}},
		{"no substring match", store.MatchUserName, "ada", nil},
		{"empty value matches none", store.MatchEmployeeNumber, "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.FindPersons(t.Context(), tc.key, tc.value)
			must(t, "find", err)
			same(t, "ids", ids(got), tc.want)
		})
	}
	if _, err := s.FindPersons(t.Context(), "shoeSize", "42"); err == nil {
		t.Fatal("unknown match key: want error")
	}
}

func ids(ps []store.Person) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

func testPersonList(t *testing.T, s store.Store) {
	ctx := t.Context()
	boss := newPerson(t, s, store.Person{ID: "p0", UserName: "boss", DisplayName: "The Boss", Department: "Board"})
	newPerson(t, s, store.Person{ID: "p1", UserName: "ada", Email: "ada@example.com", Department: "Engineering", ManagerID: boss.ID})
	newPerson(t, s, store.Person{ID: "p2", UserName: "grace", FamilyName: "Hopper", Department: "engineering", ManagerID: boss.ID, Status: store.StatusDisabled})
	newPerson(t, s, store.Person{ID: "p3", UserName: "linus", GivenName: "Linus", Department: "Ops", Status: store.StatusTerminated})
	newPerson(t, s, store.Person{ID: "p4", UserName: "100%_real", Department: "Ops"})
	_, err := s.OpenJobFunction(ctx, store.JobFunctionAssignment{PersonID: "p1", JobFunction: "developer"})
	must(t, "open job function", err)
	jf, err := s.OpenJobFunction(ctx, store.JobFunctionAssignment{PersonID: "p3", JobFunction: "developer"})
	must(t, "open job function", err)
	must(t, "close job function", s.CloseJobFunction(ctx, jf.ID, at(0)))
	for _, l := range []store.SourceLink{{Source: "hr", ExternalID: "1", PersonID: "p1"}, {Source: "hr", ExternalID: "2", PersonID: "p2"}, {Source: "idp", ExternalID: "x", PersonID: "p3"}} {
		_, err := s.PutSourceLink(ctx, l)
		must(t, "put link", err)
	}

	cases := []struct {
		name string
		q    store.PersonQuery
		want []string
	}{
		{"all", store.PersonQuery{}, []string{"p0", "p1", "p2", "p3", "p4"}},
		{"text in user name", store.PersonQuery{Text: "ADA"}, []string{"p1"}},
		{"text in email", store.PersonQuery{Text: "example.COM"}, []string{"p1"}},
		{"text in display name", store.PersonQuery{Text: "the b"}, []string{"p0"}},
		{"text in family name", store.PersonQuery{Text: "hopp"}, []string{"p2"}},
		{"text in given name", store.PersonQuery{Text: "linu"}, []string{"p3"}},
		{"text wildcards are literal", store.PersonQuery{Text: "%_"}, []string{"p4"}},
		{"text underscore is literal", store.PersonQuery{Text: "a_a"}, nil},
		{"department folds case", store.PersonQuery{Department: "ENGINEERING"}, []string{"p1", "p2"}},
		{"status", store.PersonQuery{Status: store.StatusDisabled}, []string{"p2"}},
		{"manager", store.PersonQuery{ManagerID: boss.ID}, []string{"p1", "p2"}},
		{"open job function only", store.PersonQuery{JobFunction: "developer"}, []string{"p1"}},
		{"source", store.PersonQuery{Source: "hr"}, []string{"p1", "p2"}},
		{"combined", store.PersonQuery{Department: "engineering", Status: store.StatusActive, Source: "hr"}, []string{"p1"}},
		{"after id", store.PersonQuery{AfterID: "p2"}, []string{"p3", "p4"}},
		{"limit", store.PersonQuery{Limit: 2}, []string{"p0", "p1"}},
		{"no match", store.PersonQuery{Department: "Nowhere"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListPersons(t.Context(), tc.q)
			must(t, "list", err)
			same(t, "list", ids(got), tc.want)
			n, err := s.CountPersons(t.Context(), tc.q)
			must(t, "count", err)
			q := tc.q
			q.AfterID, q.Limit = "", 0
			all, err := s.ListPersons(t.Context(), q)
			must(t, "list unpaged", err)
			if n != len(all) {
				t.Fatalf("count %d, want %d (pagination must not count)", n, len(all))
			}
		})
	}
}

func testPersonPagination(t *testing.T, s store.Store) {
	const total = 105
	var want []string
	err := s.InTx(t.Context(), func(tx store.Tx) error {
		for i := range total {
			p, err := tx.CreatePerson(t.Context(), store.Person{UserName: fmt.Sprintf("user%03d", i)})
			if err != nil {
				return err
			}
			want = append(want, p.ID)
		}
		return nil
	})
	must(t, "create persons", err)
	slices.Sort(want)

	page, err := s.ListPersons(t.Context(), store.PersonQuery{})
	must(t, "default page", err)
	if len(page) != 100 {
		t.Fatalf("default limit gave %d persons, want 100", len(page))
	}
	var got []string
	after := ""
	for {
		page, err := s.ListPersons(t.Context(), store.PersonQuery{AfterID: after, Limit: 10})
		must(t, "page", err)
		if len(page) == 0 {
			break
		}
		got = append(got, ids(page)...)
		after = page[len(page)-1].ID
	}
	same(t, "all pages", got, want)
}
