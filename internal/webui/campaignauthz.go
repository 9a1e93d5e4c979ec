package webui

import (
	"context"

	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/authz"
	"github.com/syncd-dev/syncd/internal/store"
)

// campaignView is what a viewer may see of a campaign, by the shared
// policy: nothing, the campaign with their own items (a reviewer), or all
// of its items (admins, auditors, its owner).
type campaignView struct {
	See, Whole bool
	// Mine is how many of its items the viewer may decide now.
	Mine int
}

// viewCampaign asks the policy about c for p (the JSON API asks the same
// objects).
func (s *Server) viewCampaign(ctx context.Context, p *auth.Principal, c store.Campaign) (campaignView, error) {
	var v campaignView
	if p == nil {
		return v, nil
	}
	if p.PersonID != "" {
		mine, err := s.Store.ListReviewItems(ctx, store.ReviewItemQuery{CampaignID: c.ID, ReviewerID: p.PersonID, Limit: 1000})
		if err != nil {
			return v, err
		}
		v.Mine = len(mine)
	}
	pol, sub := s.policy(), subject(p)
	var err error
	if v.Whole, err = pol.Allowed(ctx, sub, authz.Read, authz.CampaignItems{Campaign: c}); err != nil || v.Whole {
		v.See = v.Whole
		return v, err
	}
	v.See, err = pol.Allowed(ctx, sub, authz.Read, authz.Campaign{Campaign: c, Reviewer: v.Mine > 0})
	return v, err
}
