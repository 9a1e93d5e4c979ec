package webui

import (
	"errors"
	"net/http"

	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
)

type reviewerLoad struct {
	ID, Name string
	Pending  int
}

type revocation struct {
	Item     store.ReviewItem
	Decider  string
	ItemName string
}

type campaignPage struct {
	Page
	Status      review.Status
	Percent     int // decided share of all items
	Unfinished  []reviewerLoad
	Revocations []revocation
	Evidence    bool
	Progress    progressChart
	// View: a reviewer who may not see all items sees their own count
	// and a link to My reviews.
	View campaignView
}

// campaign shows one campaign's progress by stage, its revocations with
// their remediation state, the reviewers who have not finished and the
// evidence download (admins and auditors).
func (s *Server) campaign(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if s.Reviews == nil {
		s.notFound(w, r, "Campaign")
		return
	}
	c, err := s.Store.GetCampaign(ctx, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r, "Campaign")
		return
	}
	if err != nil {
		s.internal(w, r, "campaign: get", err)
		return
	}
	view, err := s.viewCampaign(ctx, auth.PrincipalFrom(ctx), c)
	if err != nil {
		s.internal(w, r, "campaign: authorize", err)
		return
	}
	if !view.See {
		s.notFound(w, r, "Campaign")
		return
	}
	st, err := s.Reviews.Status(ctx, c.ID)
	if err != nil {
		s.internal(w, r, "campaign: status", err)
		return
	}
	data := campaignPage{Page: s.page(r, "Campaign "+st.Definition, "campaigns"), Status: st, Evidence: s.Evidence != nil, View: view}
	if !view.Whole {
		// A reviewer: the campaign and their own items, not its progress.
		data.Status = review.Status{ID: st.ID, Definition: st.Definition, Kind: st.Kind, State: st.State, Stage: st.Stage, Stages: st.Stages,
			StartedAt: st.StartedAt, StageDueAt: st.StageDueAt, DueAt: st.DueAt, ClosedAt: st.ClosedAt}
		data.Evidence = false
		s.render(w, r, http.StatusOK, "campaign", data)
		return
	}
	if st.Total > 0 {
		data.Percent = (st.Total - st.Undecided) * 100 / st.Total
	}
	byDay, err := s.Store.CountDecidedByDay(ctx, st.ID)
	if err != nil {
		s.internal(w, r, "campaign: progress over time", err)
		return
	}
	data.Progress = layoutProgress(byDay, st.Total, st.StartedAt, st.DueAt, st.ClosedAt, s.Now())
	names := map[string]string{}
	name := func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		n := "someone no longer known"
		if id == "system" {
			n = "the default (nobody answered)"
		} else if p, err := s.Store.GetPerson(ctx, id); err == nil {
			n = p.Name()
		}
		names[id] = n
		return n
	}
	loads, err := s.Store.ListReviewerLoads(ctx, st.ID, st.Stage)
	if err != nil {
		s.internal(w, r, "campaign: reviewer loads", err)
		return
	}
	for _, l := range loads {
		data.Unfinished = append(data.Unfinished, reviewerLoad{ID: l.ReviewerID, Name: name(l.ReviewerID), Pending: l.Pending})
	}
	revoke := store.DecisionRevoke
	its, err := s.Store.ListReviewItems(ctx, store.ReviewItemQuery{CampaignID: st.ID, Decision: &revoke, Limit: pageSize})
	if err != nil {
		s.internal(w, r, "campaign: revocations", err)
		return
	}
	for _, it := range its {
		n := it.Snapshot.ItemName
		if n == "" {
			n = it.ItemID + it.NHIID
		}
		data.Revocations = append(data.Revocations, revocation{Item: it, Decider: name(it.DecidedBy), ItemName: n})
	}
	s.render(w, r, http.StatusOK, "campaign", data)
}
