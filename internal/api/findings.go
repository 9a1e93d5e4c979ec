package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/syncd-dev/syncd/internal/authz"
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
	all, err := s.Store.ListFindings(r.Context(), q)
	if err != nil {
		s.fail(w, err)
		return
	}
	fs, err := s.visibleFindings(r, all)
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
	if err := s.canNHI(r)(n); err != nil {
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

// visibleFindings keeps the findings on NHIs the caller may read.
func (s *Server) visibleFindings(r *http.Request, all []store.Finding) ([]store.Finding, error) {
	ctx, sub := r.Context(), principalFrom(r.Context()).subject()
	seen := map[string]bool{}
	var out []store.Finding
	for _, f := range all {
		ok, known := seen[f.NHIID]
		if !known {
			n, err := s.Store.GetNHI(ctx, f.NHIID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, err
			}
			if err == nil {
				o, err := s.nhiObject(ctx, n)
				if err != nil {
					return nil, err
				}
				if ok, err = s.policy().Allowed(ctx, sub, authz.Read, o); err != nil {
					return nil, err
				}
			}
			seen[f.NHIID] = ok
		}
		if ok {
			out = append(out, f)
		}
	}
	return out, nil
}
