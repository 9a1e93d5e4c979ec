package webui

import (
	"net/http"

	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/review"
)

type campaignsPage struct {
	Page
	Available bool
	Campaigns []campaignRow
}

// campaignRow is one listed campaign; a reviewer's row (not Whole) shows
// no counts, only how many of its items are theirs.
type campaignRow struct {
	review.Status
	View campaignView
}

// campaigns lists the started campaigns the viewer may see (the shared
// policy's campaign object): all with their progress for admins and
// auditors, their own and those they review for others; anyone who may
// see none gets the not-found page.
func (s *Server) campaigns(w http.ResponseWriter, r *http.Request) {
	p := auth.PrincipalFrom(r.Context())
	data := campaignsPage{Page: s.page(r, "Campaigns", "campaigns"), Available: s.Reviews != nil}
	if s.Reviews != nil {
		cs, err := s.Reviews.List(r.Context(), "")
		if err != nil {
			s.internal(w, r, "campaigns: list", err)
			return
		}
		for _, c := range cs {
			view, err := s.viewCampaign(r.Context(), p, c)
			if err != nil {
				s.internal(w, r, "campaigns: authorize", err)
				return
			}
			if !view.See {
				continue
			}
			st, err := s.Reviews.Status(r.Context(), c.ID)
			if err != nil {
				s.internal(w, r, "campaigns: status", err)
				return
			}
			data.Campaigns = append(data.Campaigns, campaignRow{Status: st, View: view})
		}
	}
	if !p.SeesAll() && len(data.Campaigns) == 0 {
		s.notFound(w, r, "Page")
		return
	}
	s.render(w, r, http.StatusOK, "campaigns", data)
}
