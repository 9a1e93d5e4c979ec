package api

import (
	"net/http"

	"github.com/syncd-dev/syncd/internal/nhi"
)

type extendBody struct {
	End           *string `json:"end"`
	Justification string  `json:"justification"`
}

// extendGrant: POST /api/v1/grants/{id}/extend {"end", "justification"}:
// a request for more time, decided by the same policy (201 with the
// decision). The holder, or their manager, may ask.
func (s *Server) extendGrant(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	if !personOnly(w, p) {
		return
	}
	var b extendBody
	if fe := decode(w, r, &b); fe != nil {
		writeError(w, http.StatusBadRequest, "invalid input", []nhi.FieldError{*fe})
		return
	}
	var errs []nhi.FieldError
	end, _ := dateField(&errs, "end", b.End)
	if end == nil && len(errs) == 0 {
		errs = append(errs, nhi.FieldError{Field: "end", Msg: "required"})
	}
	if len(errs) > 0 {
		writeError(w, http.StatusBadRequest, "invalid input; nothing was stored", errs)
		return
	}
	out, err := s.Access.Extend(r.Context(), p.PersonID, r.PathValue("id"), *end, b.Justification)
	if err != nil {
		s.failAccess(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, toOutcome(out))
}
