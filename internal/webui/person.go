package webui

import (
	"errors"
	"net/http"
	"slices"

	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/store"
)

type chainEntry struct {
	Person  store.Person
	Visible bool // the viewer may open this manager's record
}

type linkView struct {
	store.SourceLink
	Attrs []attr
}

type attr struct{ Name, Value string }

type personPage struct {
	Page
	Person       store.Person
	Chain        []chainEntry
	Reports      []store.Person
	Links        []linkView
	JobFunctions []store.JobFunctionAssignment
	Movers       []store.MoverEvent
	Groups       []store.Group
	// OpenReviewItems counts the viewer's open review items about this
	// person; the page links to them.
	OpenReviewItems int
}

// person shows one person's full record to whoever may see it: admins,
// auditors, the person, and the managers above them. Anyone else gets the
// same "not found" as for an id that does not exist.
func (s *Server) person(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := auth.PrincipalFrom(ctx)
	target, err := s.Store.GetPerson(ctx, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r, "Person")
		return
	}
	if err != nil {
		s.internal(w, r, "person: get", err)
		return
	}
	ok, err := s.canSeePerson(ctx, p, target)
	if err != nil {
		s.internal(w, r, "person: authorize", err)
		return
	}
	if !ok {
		s.notFound(w, r, "Person")
		return
	}
	title := target.DisplayName
	if title == "" {
		title = target.UserName
	}
	data := personPage{Page: s.page(r, title, "people"), Person: target}

	// The chain upward: names are shown (they are the viewer's own
	// managers or peers' managers anyway); links only where allowed.
	cur := target
	for range maxChain {
		if cur.ManagerID == "" {
			break
		}
		m, err := s.Store.GetPerson(ctx, cur.ManagerID)
		if err != nil {
			break
		}
		vis, err := s.canSeePerson(ctx, p, m)
		if err != nil {
			s.internal(w, r, "person: authorize chain", err)
			return
		}
		data.Chain = append(data.Chain, chainEntry{Person: m, Visible: vis})
		cur = m
	}
	if data.Reports, err = s.Store.ListPersons(ctx, store.PersonQuery{ManagerID: target.ID, Limit: 500}); err != nil {
		s.internal(w, r, "person: reports", err)
		return
	}
	links, err := s.Store.ListSourceLinks(ctx, target.ID)
	if err != nil {
		s.internal(w, r, "person: links", err)
		return
	}
	for _, l := range links {
		lv := linkView{SourceLink: l}
		for k, v := range l.Attributes {
			if k == "manager" && v != "" {
				// The resolved manager is a person id; show who it is.
				if m, err := s.Store.GetPerson(ctx, v); err == nil {
					v = m.DisplayName + " (" + m.UserName + ")"
				}
			}
			lv.Attrs = append(lv.Attrs, attr{k, v})
		}
		slices.SortFunc(lv.Attrs, func(a, b attr) int {
			if a.Name < b.Name {
				return -1
			}
			if a.Name > b.Name {
				return 1
			}
			return 0
		})
		data.Links = append(data.Links, lv)
	}
	if data.JobFunctions, err = s.Store.ListJobFunctions(ctx, target.ID, true); err != nil {
		s.internal(w, r, "person: job functions", err)
		return
	}
	if data.Movers, err = s.Store.ListMoverEvents(ctx, target.ID); err != nil {
		s.internal(w, r, "person: mover events", err)
		return
	}
	if data.Groups, err = s.Store.ListPersonGroups(ctx, target.ID, ""); err != nil {
		s.internal(w, r, "person: groups", err)
		return
	}
	if s.Reviews != nil {
		items, err := s.openReviewItems(ctx, data.Who.PersonID)
		if err != nil {
			s.internal(w, r, "person: review items", err)
			return
		}
		for _, it := range items {
			if it.HolderID == target.ID {
				data.OpenReviewItems++
			}
		}
	}
	s.render(w, r, http.StatusOK, "person", data)
}
