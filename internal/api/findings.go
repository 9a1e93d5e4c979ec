package api

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
)

// listFindings: GET /api/v1/findings?rule=&nhi=&state=&after=&limit=
// (state open, acknowledged, resolved; default: all unresolved).
func (s *Server) listFindings(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q := store.FindingQuery{Rule: v.Get("rule"), NHIID: v.Get("nhi")}
	var errs []nhi.FieldError
	if q.Rule != "" && !nhi.KnownRule(q.Rule) {
		errs = append(errs, nhi.FieldError{Field: "rule", Msg: fmt.Sprintf("unknown rule %q", q.Rule)})
	}
	if st := v.Get("state"); st != "" {
		switch s := store.FindingState(st); s {
		case store.FindingOpen, store.FindingAcknowledged, store.FindingResolved:
			q.States = []store.FindingState{s}
		default:
			errs = append(errs, nhi.FieldError{Field: "state", Msg: fmt.Sprintf("unknown state %q (use open, acknowledged or resolved)", st)})
		}
	}
	if a := v.Get("after"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil {
			errs = append(errs, nhi.FieldError{Field: "after", Msg: "must be a finding id"})
		}
		q.AfterID = n
	}
	q.Limit, errs = limitParam(v.Get("limit"), errs)
	if errs != nil {
		writeError(w, http.StatusBadRequest, "invalid query", errs)
		return
	}
	fs, err := s.Store.ListFindings(r.Context(), q)
	if err != nil {
		s.fail(w, err)
		return
	}
	out := struct {
		Items []findingJSON `json:"items"`
	}{Items: make([]findingJSON, len(fs))}
	for i, f := range fs {
		out.Items[i] = toFinding(f)
	}
	writeJSON(w, http.StatusOK, out)
}

type ackRequest struct {
	Justification string `json:"justification"`
	Expires       string `json:"expires"`
}

// acknowledgeFinding: POST /api/v1/findings/{id}/acknowledge; the NHI's
// owner or an admin documents an exception until expires.
func (s *Server) acknowledgeFinding(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, store.ErrNotFound)
		return
	}
	var req ackRequest
	if fe := decode(w, r, &req); fe != nil {
		s.fail(w, fe)
		return
	}
	exp, fe := nhi.ParseDate("expires", req.Expires)
	if fe != nil {
		s.fail(w, fe)
		return
	}
	if exp == nil {
		s.fail(w, &nhi.FieldError{Field: "expires", Msg: "required"})
		return
	}
	f, err := s.Store.GetFinding(r.Context(), id)
	if err != nil {
		s.fail(w, err)
		return
	}
	n, err := s.Store.GetNHI(r.Context(), f.NHIID)
	if err != nil {
		s.fail(w, err)
		return
	}
	if err := ownsNHI(p)(n); err != nil {
		s.fail(w, err)
		return
	}
	out, err := s.NHI.Acknowledge(r.Context(), p.Actor(), id, req.Justification, *exp)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, toFinding(out))
}
