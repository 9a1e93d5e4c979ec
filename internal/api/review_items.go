package api

import (
	"net/http"
	"strconv"

	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
)

func actorOf(p Principal) review.Actor {
	return review.Actor{PersonID: p.PersonID, Issuer: p.Issuer, Subject: p.Subject, Admin: p.Admin(), Token: p.TokenName}
}

// listReviewItems: GET /api/v1/campaigns/{id}/items?reviewer=me&state=
// &decision=&after=&limit=. A person sees the items they review (admins
// and auditors may leave reviewer out to see all); decision "none" or
// "undecided" selects undecided items. Paged by id: next carries the
// "after" of the next page.
func (s *Server) listReviewItems(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	q := r.URL.Query()
	c, v, ok := s.campaignFor(w, r)
	if !ok {
		return
	}
	iq := store.ReviewItemQuery{CampaignID: c.ID, Limit: 100}
	switch rv := q.Get("reviewer"); {
	case rv == "me":
		if p.PersonID == "" {
			writeError(w, http.StatusBadRequest, "reviewer=me needs a signed-in person", nil)
			return
		}
		iq.ReviewerID = p.PersonID
	case rv != "" && v.whole:
		iq.ReviewerID = rv
	case !v.whole:
		iq.ReviewerID = p.PersonID
	}
	if st := q.Get("state"); st != "" {
		iq.States = []store.ReviewItemState{store.ReviewItemState(st)}
	}
	if d := q.Get("decision"); d != "" {
		if d == "none" || d == "undecided" {
			d = ""
		}
		iq.Decision = &d
	}
	var fields []nhi.FieldError
	if a := q.Get("after"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n < 0 {
			fields = append(fields, nhi.FieldError{Field: "after", Msg: "must be an item id"})
		}
		iq.AfterID = n
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			fields = append(fields, nhi.FieldError{Field: "limit", Msg: "must be 1 to 1000"})
		}
		iq.Limit = n
	}
	if len(fields) > 0 {
		writeError(w, http.StatusBadRequest, "invalid input", fields)
		return
	}
	items, err := s.Store.ListReviewItems(r.Context(), iq)
	if err != nil {
		s.failReview(w, err)
		return
	}
	out := make([]review.ItemJSON, len(items))
	for i, it := range items {
		out[i] = review.ToJSON(it)
	}
	body := map[string]any{"items": out}
	if len(items) == iq.Limit {
		body["next"] = strconv.FormatInt(items[len(items)-1].ID, 10)
	}
	writeJSON(w, http.StatusOK, body)
}

type reviewDecisionBody struct {
	Decision      string `json:"decision"`
	Justification string `json:"justification"`
	ReassignTo    string `json:"reassignTo"`
}

// decideReviewItem: POST /api/v1/review-items/{id}/decision
// {"decision": "certify|revoke|reassign", "justification", "reassignTo"}.
// Only a signed-in reviewer of the item decides; never its holder.
func (s *Server) decideReviewItem(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusNotFound, "not found", nil)
		return
	}
	var b reviewDecisionBody
	if fe := decode(w, r, &b); fe != nil {
		writeError(w, http.StatusBadRequest, "invalid input", []nhi.FieldError{*fe})
		return
	}
	it, err := s.Review.Decide(r.Context(), actorOf(p), id, review.Decision{Decision: b.Decision, Justification: b.Justification, ReassignTo: b.ReassignTo})
	if err != nil {
		s.failReview(w, err)
		return
	}
	writeJSON(w, http.StatusOK, review.ToJSON(it))
}

type bulkReviewBody struct {
	Decision       string  `json:"decision"`
	Justification  string  `json:"justification"`
	ReassignTo     string  `json:"reassignTo"`
	Items          []int64 `json:"items"`
	Recommendation string  `json:"recommendation"`
	Item           string  `json:"item"`
	Undecided      bool    `json:"undecided"`
}

// bulkReviewDecision: POST /api/v1/campaigns/{id}/decisions: one decision
// over a selection of the caller's items (explicit ids, or a filter by
// recommendation, catalog item, undecided). Each item is decided and
// audited on its own; failures are listed.
func (s *Server) bulkReviewDecision(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	var b bulkReviewBody
	if fe := decode(w, r, &b); fe != nil {
		writeError(w, http.StatusBadRequest, "invalid input", []nhi.FieldError{*fe})
		return
	}
	res, err := s.Review.DecideBulk(r.Context(), actorOf(p), r.PathValue("id"),
		review.BulkFilter{ItemIDs: b.Items, Recommendation: b.Recommendation, CatalogItem: b.Item, Undecided: b.Undecided},
		review.Decision{Decision: b.Decision, Justification: b.Justification, ReassignTo: b.ReassignTo})
	if err != nil {
		s.failReview(w, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
