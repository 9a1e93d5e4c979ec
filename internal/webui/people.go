package webui

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/store"
)

type pager struct{ Prev, Next string }

type peoplePage struct {
	Page
	Query       store.PersonQuery
	ManagerMe   bool
	Statuses    []store.Status
	Departments []string
	People      []store.Person
	Total       int
	Pager       pager
}

// people searches persons. Admins and auditors search everyone; anyone
// else searches themselves and the people below them.
func (s *Server) people(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := auth.PrincipalFrom(ctx)
	in := r.URL.Query()
	q := store.PersonQuery{
		Text:        strings.TrimSpace(in.Get("q")),
		Department:  strings.TrimSpace(in.Get("department")),
		JobFunction: strings.TrimSpace(in.Get("jobfunction")),
		Status:      store.Status(in.Get("status")),
		AfterID:     in.Get("after"),
	}
	if q.Status != "" && !q.Status.Valid() {
		s.Fail(w, r, http.StatusBadRequest, "Unknown status", "Status must be active, disabled or terminated.")
		return
	}
	data := peoplePage{
		Page: s.page(r, "People", "people"), Query: q,
		Statuses: []store.Status{store.StatusActive, store.StatusDisabled, store.StatusTerminated},
	}
	if in.Get("manager") == "me" {
		data.ManagerMe = true
		q.ManagerID = p.PersonID
	}
	var (
		allowed func(store.Person) bool
		err     error
	)
	if !p.SeesAll() {
		reports, err := s.reportsOf(ctx, p.PersonID)
		if err != nil {
			s.internal(w, r, "people: reports", err)
			return
		}
		allowed = func(x store.Person) bool { return x.ID == p.PersonID || reports[x.ID] }
	}
	data.People, data.Total, err = s.listPeople(ctx, q, allowed)
	if err != nil {
		s.internal(w, r, "people: list", err)
		return
	}
	if len(data.People) > pageSize {
		data.People = data.People[:pageSize]
		next := url.Values{}
		for k, v := range in {
			next[k] = v
		}
		next.Set("after", data.People[pageSize-1].ID)
		data.Pager.Next = "/people?" + next.Encode()
	}
	if q.AfterID != "" {
		first := url.Values{}
		for k, v := range in {
			first[k] = v
		}
		first.Del("after")
		data.Pager.Prev = "/people?" + first.Encode()
	}
	for _, x := range data.People {
		if x.Department != "" && !slices.Contains(data.Departments, x.Department) {
			data.Departments = append(data.Departments, x.Department)
		}
	}
	slices.Sort(data.Departments)
	s.render(w, r, http.StatusOK, "people", data)
}

// listPeople returns up to pageSize+1 persons of q after q.AfterID that
// allowed accepts (nil accepts all) and the total number matching.
func (s *Server) listPeople(ctx context.Context, q store.PersonQuery, allowed func(store.Person) bool) ([]store.Person, int, error) {
	if allowed == nil {
		total, err := s.Store.CountPersons(ctx, q)
		if err != nil {
			return nil, 0, err
		}
		q.Limit = pageSize + 1
		ps, err := s.Store.ListPersons(ctx, q)
		return ps, total, err
	}
	// Filtered: walk every match once, counting and collecting the page.
	var out []store.Person
	total := 0
	after := q.AfterID
	q.AfterID, q.Limit = "", 500
	for {
		ps, err := s.Store.ListPersons(ctx, q)
		if err != nil {
			return nil, 0, err
		}
		for _, x := range ps {
			if !allowed(x) {
				continue
			}
			total++
			if x.ID > after && len(out) <= pageSize {
				out = append(out, x)
			}
		}
		if len(ps) < q.Limit {
			return out, total, nil
		}
		q.AfterID = ps[len(ps)-1].ID
	}
}
