package api

import (
	"context"

	"github.com/syncd-dev/syncd/internal/authz"
	"github.com/syncd-dev/syncd/internal/store"
)

// campaignView is what the caller may see of a campaign, by the policy's
// campaign objects (the web UI asks the same): nothing, the campaign with
// the caller's own items (a reviewer), or all of its items.
type campaignView struct{ see, whole bool }

func (s *Server) viewCampaign(ctx context.Context, p Principal, c store.Campaign) (campaignView, error) {
	pol, sub := s.policy(), p.subject()
	whole, err := pol.Allowed(ctx, sub, authz.Read, authz.CampaignItems{Campaign: c})
	if err != nil || whole {
		return campaignView{see: whole, whole: whole}, err
	}
	reviewer := false
	if p.PersonID != "" {
		mine, err := s.Store.ListReviewItems(ctx, store.ReviewItemQuery{CampaignID: c.ID, ReviewerID: p.PersonID, Limit: 1})
		if err != nil {
			return campaignView{}, err
		}
		reviewer = len(mine) > 0
	}
	see, err := pol.Allowed(ctx, sub, authz.Read, authz.Campaign{Campaign: c, Reviewer: reviewer})
	return campaignView{see: see}, err
}
