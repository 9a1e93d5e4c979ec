package webui

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
)

// decideReviews records decisions from My reviews: one row (a row's
// button, row=<decision>:<item>) or every selected row (decision plus
// item=… checkboxes). Each goes through review.Service.Decide, the call
// the API makes, so the same rules apply. Items the viewer does not
// review answer 404; on a refused decision the page comes back with the
// input and the message by the field.
func (s *Server) decideReviews(w http.ResponseWriter, r *http.Request) {
	if s.Reviews == nil {
		s.notFound(w, r, "Review")
		return
	}
	p := auth.PrincipalFrom(r.Context())
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, http.StatusBadRequest, "Invalid form", "The form could not be read.")
		return
	}
	f := filterFrom(r.PostForm)
	data := reviewsPage{Page: s.page(r, "My reviews", "reviews"), Available: true, Filter: f}
	bulk := bulkInput{Decision: r.PostFormValue("decision"), Justification: strings.TrimSpace(r.PostFormValue("justification")),
		ReassignTo: strings.TrimSpace(r.PostFormValue("reassign_to"))}
	var ids []int64
	row := false
	if v := r.PostFormValue("row"); v != "" {
		dec, id, _ := strings.Cut(v, ":")
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			s.notFound(w, r, "Review item")
			return
		}
		ids, row = []int64{n}, true
		bulk = bulkInput{Decision: dec, Justification: strings.TrimSpace(r.PostFormValue("just-" + id)),
			ReassignTo: strings.TrimSpace(r.PostFormValue("to-" + id))}
	} else {
		for _, v := range r.PostForm["item"] {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				s.notFound(w, r, "Review item")
				return
			}
			ids = append(ids, n)
		}
	}
	// Only the viewer's own items exist for them, whatever the form says.
	for _, id := range ids {
		it, err := s.Store.GetReviewItem(r.Context(), id)
		if errors.Is(err, store.ErrNotFound) || err == nil && !slices.Contains(it.ReviewerIDs, p.PersonID) {
			s.notFound(w, r, "Review item")
			return
		}
		if err != nil {
			s.internal(w, r, "reviews: decide", err)
			return
		}
	}
	if !row {
		data.Bulk = bulk
		switch {
		case len(ids) == 0:
			data.FormError = "Select at least one row first."
		case bulk.Decision != store.DecisionCertify && bulk.Decision != store.DecisionRevoke && bulk.Decision != store.DecisionReassign:
			data.FormError = "Choose certify, revoke or reassign."
		}
		if data.FormError != "" {
			s.renderReviews(w, r, http.StatusUnprocessableEntity, data, selected(ids))
			return
		}
	}
	actor := review.Actor{PersonID: p.PersonID, Issuer: p.Issuer, Subject: p.Subject, Admin: p.Has(auth.RoleAdmin)}
	dec := review.Decision{Decision: bulk.Decision, Justification: bulk.Justification, ReassignTo: bulk.ReassignTo}
	decided := 0
	failed := map[int64]reviewRow{}
	var msg string
	undo := row && bulk.Decision == "undo"
	for _, id := range ids {
		var it store.ReviewItem
		var err error
		if undo {
			it, err = s.Reviews.Undo(r.Context(), actor, id)
		} else {
			it, err = s.Reviews.Decide(r.Context(), actor, id, dec)
		}
		if err != nil {
			msg = decisionMessage(err, dec, it)
			if !errors.Is(err, review.ErrInvalid) && !errors.Is(err, review.ErrForbidden) && !errors.Is(err, review.ErrClosed) {
				s.Logger.Error("reviews: decide", "item", id, "err", err)
			}
			failed[id] = reviewRow{Selected: true, Justification: bulk.Justification, Error: msg}
			continue
		}
		decided++
	}
	if len(failed) == 0 {
		q := f.query()
		if q != "" {
			q += "&"
		}
		last := ""
		if row {
			last = "&last=" + strconv.FormatInt(ids[0], 10)
		}
		if undo {
			http.Redirect(w, r, "/reviews?"+q+"undone=1"+last, http.StatusSeeOther)
			return
		}
		http.Redirect(w, r, "/reviews?"+q+"decided="+strconv.Itoa(decided)+last, http.StatusSeeOther)
		return
	}
	if decided > 0 {
		data.Flash = strconv.Itoa(decided) + " decision" + plural(decided) + " recorded."
	}
	if !row {
		data.FormError = strconv.Itoa(len(failed)) + " of " + strconv.Itoa(len(ids)) + " not decided: " + msg
	}
	s.renderReviews(w, r, http.StatusUnprocessableEntity, data, failed)
}

// decisionMessage says in words why a decision was refused.
func decisionMessage(err error, dec review.Decision, _ store.ReviewItem) string {
	switch {
	case errors.Is(err, review.ErrClosed):
		return "This stage has closed; its decisions are final."
	case dec.Decision == "undo" && errors.Is(err, review.ErrInvalid):
		return "There is no decision to undo."
	case dec.Decision == "undo" && errors.Is(err, review.ErrForbidden):
		return "You may not undo this decision."
	case errors.Is(err, review.ErrForbidden) && dec.Decision == store.DecisionReassign:
		return "That person may not review this item (they hold it, or are not active)."
	case errors.Is(err, review.ErrForbidden):
		return "You may not decide this item."
	case errors.Is(err, review.ErrInvalid) && dec.Decision == store.DecisionRevoke:
		return "Say why this access should be revoked."
	case errors.Is(err, review.ErrInvalid) && dec.Decision == store.DecisionCertify:
		return "Certifying high- or critical-risk access needs a justification."
	case errors.Is(err, review.ErrInvalid) && dec.Decision == store.DecisionReassign && dec.ReassignTo != "" && strings.TrimSpace(dec.Justification) != "":
		return "Nobody with that user name or e-mail address is known."
	case errors.Is(err, review.ErrInvalid) && dec.Decision == store.DecisionReassign:
		return "Name the new reviewer and say why."
	}
	return "syncd could not record this decision. The problem has been logged."
}

func selected(ids []int64) map[int64]reviewRow {
	out := map[int64]reviewRow{}
	for _, id := range ids {
		out[id] = reviewRow{Selected: true}
	}
	return out
}
