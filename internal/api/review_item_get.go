package api

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/syncd-dev/syncd/internal/review"
)

type reviewDecisionJSON struct {
	Stage          int       `json:"stage"`
	Decision       string    `json:"decision"`
	By             string    `json:"by"`
	At             time.Time `json:"at"`
	Justification  string    `json:"justification"`
	Recommendation string    `json:"recommendationShown"`
	Defaulted      bool      `json:"defaulted"`
	ReassignTo     string    `json:"reassignTo,omitempty"`
}

// getReviewItem: GET /api/v1/review-items/{id}: the item with every
// decision made on it, oldest first, so a later stage sees what earlier
// ones decided. Its reviewers, admins and auditors may read it.
func (s *Server) getReviewItem(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusNotFound, "not found", nil)
		return
	}
	it, err := s.Store.GetReviewItem(r.Context(), id)
	if err != nil {
		s.failReview(w, err)
		return
	}
	if !p.seesAll() && !slices.Contains(it.ReviewerIDs, p.PersonID) {
		writeError(w, http.StatusNotFound, "not found", nil)
		return
	}
	ds, err := s.Store.ListReviewDecisions(r.Context(), "", id, 0, 0)
	if err != nil {
		s.failReview(w, err)
		return
	}
	hist := make([]reviewDecisionJSON, len(ds))
	for i, d := range ds {
		hist[i] = reviewDecisionJSON{Stage: d.Stage, Decision: d.Decision, By: d.ReviewerID, At: d.CreatedAt, Justification: d.Justification,
			Recommendation: d.RecommendationShown, Defaulted: d.Defaulted, ReassignTo: d.ReassignTo}
	}
	writeJSON(w, http.StatusOK, struct {
		review.ItemJSON
		History []reviewDecisionJSON `json:"history"`
	}{review.ToJSON(it), hist})
}
