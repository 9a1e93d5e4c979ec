package webui

import (
	"net/http"

	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/review"
)

type campaignsPage struct {
	Page
	Available bool
	Campaigns []review.Status
}

// campaigns lists the started campaigns with their progress (admins and
// auditors; anyone else gets the not-found page).
func (s *Server) campaigns(w http.ResponseWriter, r *http.Request) {
	if !auth.PrincipalFrom(r.Context()).SeesAll() {
		s.notFound(w, r, "Page")
		return
	}
	data := campaignsPage{Page: s.page(r, "Campaigns", "campaigns"), Available: s.Reviews != nil}
	if s.Reviews != nil {
		cs, err := s.Reviews.List(r.Context(), "")
		if err != nil {
			s.internal(w, r, "campaigns: list", err)
			return
		}
		for _, c := range cs {
			st, err := s.Reviews.Status(r.Context(), c.ID)
			if err != nil {
				s.internal(w, r, "campaigns: status", err)
				return
			}
			data.Campaigns = append(data.Campaigns, st)
		}
	}
	s.render(w, r, http.StatusOK, "campaigns", data)
}
