package webui

import (
	"net/http"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/store"
)

type catalogPage struct {
	Page
	Available bool
	Version   string
	Entries   []access.Entry
	Reports   []personOption // people the viewer may request for
	NHIs      []personOption // non-human identities the viewer owns
	// Form is a request form that came back with errors.
	Form requestForm
	// OwnsItems: the viewer owns catalog items (a link to their page).
	OwnsItems bool
}

type personOption struct{ ID, Name string }

// catalog lists every live item with what would happen if the viewer
// requested it for themselves, and a request form for each.
func (s *Server) catalog(w http.ResponseWriter, r *http.Request) {
	s.renderCatalog(w, r, http.StatusOK, requestForm{})
}

// renderCatalog shows the catalog; form is the request form that came
// back with errors (zero: none).
func (s *Server) renderCatalog(w http.ResponseWriter, r *http.Request, status int, form requestForm) {
	p := auth.PrincipalFrom(r.Context())
	data := catalogPage{Page: s.page(r, "Request access", "catalog"), Form: form}
	if s.Access == nil {
		s.render(w, r, status, "catalog", data)
		return
	}
	entries, err := s.Access.Browse(r.Context(), p.PersonID)
	if err != nil {
		s.internal(w, r, "catalog: browse", err)
		return
	}
	reports, err := s.directReports(r, p.PersonID)
	if err != nil {
		s.internal(w, r, "catalog: reports", err)
		return
	}
	nhis, err := s.Store.ListNHIs(r.Context(), store.NHIQuery{OwnerID: p.PersonID, Status: store.NHIActive, Limit: 200})
	if err != nil {
		s.internal(w, r, "catalog: nhis", err)
		return
	}
	for _, n := range nhis {
		data.NHIs = append(data.NHIs, personOption{ID: "nhi:" + n.ID, Name: n.Name + " (" + string(n.Kind) + ")"})
	}
	data.Available, data.Version, data.Entries, data.Reports = true, s.Access.Policy().Version, entries, reports
	for _, it := range s.Access.Catalog().Items {
		data.OwnsItems = data.OwnsItems || it.OwnerID != "" && it.OwnerID == p.PersonID
	}
	s.render(w, r, status, "catalog", data)
}

func (s *Server) directReports(r *http.Request, personID string) ([]personOption, error) {
	var out []personOption
	after := ""
	for {
		ps, err := s.Store.ListPersons(r.Context(), storePersonQueryManager(personID, after))
		if err != nil {
			return nil, err
		}
		for _, x := range ps {
			name := x.DisplayName
			if name == "" {
				name = x.UserName
			}
			out = append(out, personOption{ID: x.ID, Name: name})
		}
		if len(ps) < 100 {
			return out, nil
		}
		after = ps[len(ps)-1].ID
	}
}
