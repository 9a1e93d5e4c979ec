package api

import (
	"errors"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/authz"
	"github.com/syncd-dev/syncd/internal/store"
	"net/http"
	"time"

	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/review"
)

func reviewRoutes(s *Server) []route {
	const read, rev = store.ScopeRead, store.ScopeReviews
	return []route{
		{"GET /api/v1/campaigns", s.listCampaigns, read},
		{"POST /api/v1/campaigns", s.startCampaign, rev},
		{"GET /api/v1/campaigns/{id}", s.getCampaign, read},
		{"GET /api/v1/campaigns/{id}/items", s.listReviewItems, read},
		{"POST /api/v1/campaigns/{id}/decisions", s.bulkReviewDecision, rev},
		{"POST /api/v1/campaigns/{id}/close", s.closeCampaign, rev},
		{"GET /api/v1/review-items/{id}", s.getReviewItem, read},
		{"POST /api/v1/review-items/{id}/decision", s.decideReviewItem, rev},
	}
}

// failReview maps campaign errors onto responses.
func (s *Server) failReview(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, review.ErrForbidden):
		writeError(w, http.StatusForbidden, err.Error(), nil)
	case errors.Is(err, review.ErrInvalid), errors.Is(err, review.ErrUnknownDefinition):
		writeError(w, http.StatusBadRequest, err.Error(), nil)
	case errors.Is(err, review.ErrClosed):
		writeError(w, http.StatusConflict, err.Error(), nil)
	default:
		s.fail(w, err)
	}
}

type campaignJSON struct {
	ID         string    `json:"id"`
	Definition string    `json:"definition"`
	Kind       string    `json:"kind"`
	State      string    `json:"state"`
	Stage      int       `json:"stage"`
	Stages     int       `json:"stages"`
	StartedAt  time.Time `json:"startedAt"`
	StageDueAt time.Time `json:"stageDueAt"`
	DueAt      time.Time `json:"dueAt"`
	Items      int       `json:"items,omitempty"`
	// Scope is "own-items" for a reviewer who sees only their own items.
	Scope string `json:"scope,omitempty"`
}

// campaignHeader is c without counts unless the caller sees all its items.
func campaignHeader(c store.Campaign, whole bool) campaignJSON {
	out := campaignJSON{ID: c.ID, Definition: c.Definition, Kind: c.Kind, State: string(c.State), Stage: c.Stage, Stages: c.Stages,
		StartedAt: c.StartedAt, StageDueAt: c.StageDueAt, DueAt: c.DueAt, Items: c.Generated}
	if !whole {
		out.Items, out.Scope = 0, "own-items"
	}
	return out
}

// listCampaigns: GET /api/v1/campaigns[?definition=]: the definitions and
// the campaigns that started that the caller may see (all for admins and
// auditors; those they own or review items in otherwise), newest first. A
// reviewer's campaign carries "scope": "own-items" and no item count.
func (s *Server) listCampaigns(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	all, err := s.Review.List(r.Context(), r.URL.Query().Get("definition"))
	if err != nil {
		s.failReview(w, err)
		return
	}
	var cs []store.Campaign
	var whole []bool
	for _, c := range all {
		v, err := s.viewCampaign(r.Context(), p, c)
		if err != nil {
			s.fail(w, err)
			return
		}
		if v.see {
			cs, whole = append(cs, c), append(whole, v.whole)
		}
	}
	type def struct {
		Name        string `json:"name"`
		Kind        string `json:"kind"`
		Description string `json:"description,omitempty"`
		Schedule    string `json:"schedule,omitempty"`
	}
	defs := []def{}
	for _, d := range s.Review.Definitions() {
		defs = append(defs, def{Name: d.Name, Kind: d.Kind, Description: d.Description, Schedule: d.Schedule.Frequency})
	}
	out := make([]campaignJSON, len(cs))
	for i, c := range cs {
		out[i] = campaignHeader(c, whole[i])
	}
	writeJSON(w, http.StatusOK, map[string]any{"definitions": defs, "campaigns": out})
}

type startCampaignBody struct {
	Definition string `json:"definition"`
}

// startCampaign: POST /api/v1/campaigns {"definition"}: an admin (or an
// API token) starts a campaign now. It answers 202 with the campaign
// (state "generating") once its row exists; generation goes on in the
// background and, should the process stop, in the next Tick.
func (s *Server) startCampaign(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	if !p.Admin() {
		writeError(w, http.StatusForbidden, "only an admin starts campaigns", nil)
		return
	}
	var b startCampaignBody
	if fe := decode(w, r, &b); fe != nil {
		writeError(w, http.StatusBadRequest, "invalid input", []nhi.FieldError{*fe})
		return
	}
	if b.Definition == "" {
		writeError(w, http.StatusBadRequest, "invalid input", []nhi.FieldError{{Field: "definition", Msg: "missing"}})
		return
	}
	// The answer does not wait for the population to be frozen: the
	// campaign is "generating" until its last page, which
	// GET /api/v1/campaigns/{id} shows.
	c, err := s.Review.Start(r.Context(), b.Definition, p.Actor(), review.StartOptions{Background: true})
	if err != nil {
		s.failReview(w, err)
		return
	}
	w.Header().Set("Location", "/api/v1/campaigns/"+c.ID)
	writeJSON(w, http.StatusAccepted, campaignJSON{ID: c.ID, Definition: c.Definition, Kind: c.Kind, State: string(c.State),
		Stage: c.Stage, Stages: c.Stages, StartedAt: c.StartedAt, StageDueAt: c.StageDueAt, DueAt: c.DueAt, Items: c.Generated})
}

// getCampaign: GET /api/v1/campaigns/{id}: the campaign's counts for its
// owner, admins and auditors; a reviewer gets the campaign without counts
// (scope "own-items") and reaches their items through
// /api/v1/campaigns/{id}/items; anyone else, as for an unknown id.
func (s *Server) getCampaign(w http.ResponseWriter, r *http.Request) {
	c, v, ok := s.campaignFor(w, r)
	if !ok {
		return
	}
	if !v.whole {
		writeJSON(w, http.StatusOK, campaignHeader(c, false))
		return
	}
	st, err := s.Review.Status(r.Context(), c.ID)
	if err != nil {
		s.failReview(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// closeCampaign: POST /api/v1/campaigns/{id}/close: an admin applies the
// non-response default now and closes the campaign.
func (s *Server) closeCampaign(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	c, _, ok := s.campaignFor(w, r)
	if !ok {
		return
	}
	if ok, err := s.allowed(r, authz.Manage, authz.Campaign{Campaign: c}, "campaign:"+c.ID); err != nil || !ok {
		if err != nil {
			s.fail(w, err)
			return
		}
		writeError(w, http.StatusForbidden, "only an admin closes campaigns", nil)
		return
	}
	if _, err := s.Review.Close(r.Context(), r.PathValue("id"), p.Actor()); err != nil {
		s.failReview(w, err)
		return
	}
	st, err := s.Review.Status(r.Context(), r.PathValue("id"))
	if err != nil {
		s.failReview(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// campaignFor loads the campaign {id} and what the caller may see of it;
// a campaign the caller may not see answers 404, as an unknown one.
func (s *Server) campaignFor(w http.ResponseWriter, r *http.Request) (store.Campaign, campaignView, bool) {
	c, err := s.Store.GetCampaign(r.Context(), r.PathValue("id"))
	if err != nil {
		s.failReview(w, err)
		return c, campaignView{}, false
	}
	v, err := s.viewCampaign(r.Context(), principalFrom(r.Context()), c)
	if err != nil {
		s.fail(w, err)
		return c, v, false
	}
	if !v.see {
		s.record(r, principalFrom(r.Context()).Actor(), audit.ActionAccessDenied, "campaign:"+c.ID, map[string]string{"action": string(authz.Read), "object": "campaign"})
		writeError(w, http.StatusNotFound, "not found", nil)
		return c, v, false
	}
	return c, v, true
}
