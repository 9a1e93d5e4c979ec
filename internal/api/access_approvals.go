package api

import (
	"errors"
	"net/http"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/audit"

	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
)

// listApprovals: GET /api/v1/approvals: the caller's approval inbox.
func (s *Server) listApprovals(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	if !personOnly(w, p) {
		return
	}
	rs, err := s.Store.ListRequests(r.Context(), store.RequestQuery{Approver: p.PersonID, Limit: 500})
	if err != nil {
		s.fail(w, err)
		return
	}
	writeRequests(w, rs)
}

type decisionBody struct {
	Approve *bool  `json:"approve"`
	Comment string `json:"comment"`
}

// decideRequest: POST /api/v1/requests/{id}/decision {"approve", "comment"}.
func (s *Server) decideRequest(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	if !personOnly(w, p) {
		return
	}
	var b decisionBody
	if fe := decode(w, r, &b); fe != nil {
		writeError(w, http.StatusBadRequest, "invalid input", []nhi.FieldError{*fe})
		return
	}
	if b.Approve == nil {
		writeError(w, http.StatusBadRequest, "invalid input", []nhi.FieldError{{Field: "approve", Msg: "required: true or false"}})
		return
	}
	out, err := s.decideVisible(r, p, r.PathValue("id"), *b.Approve, b.Comment)
	if err != nil {
		s.failAccess(w, err)
		return
	}
	writeJSON(w, http.StatusOK, toOutcome(out))
}

type bulkBody struct {
	Requests []string `json:"requests"`
	Approve  *bool    `json:"approve"`
	Comment  string   `json:"comment"`
}

// bulkDecide: POST /api/v1/approvals/bulk: the same decision on several
// requests; each is decided on its own and reported, so one refusal does
// not undo the others.
func (s *Server) bulkDecide(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	if !personOnly(w, p) {
		return
	}
	var b bulkBody
	if fe := decode(w, r, &b); fe != nil {
		writeError(w, http.StatusBadRequest, "invalid input", []nhi.FieldError{*fe})
		return
	}
	if b.Approve == nil || len(b.Requests) == 0 || len(b.Requests) > 200 {
		writeError(w, http.StatusBadRequest, "invalid input", []nhi.FieldError{{Field: "requests", Msg: "1 to 200 request ids and approve true or false are required"}})
		return
	}
	type result struct {
		Request string `json:"request"`
		State   string `json:"state,omitempty"`
		Error   string `json:"error,omitempty"`
	}
	results := make([]result, 0, len(b.Requests))
	for _, id := range b.Requests {
		out, err := s.decideVisible(r, p, id, *b.Approve, b.Comment)
		if err != nil {
			msg := publicMessage(err, "could not decide")
			if errors.Is(err, access.ErrNotFound) || errors.Is(err, store.ErrNotFound) {
				msg = "not found"
			}
			results = append(results, result{Request: id, Error: msg})
			continue
		}
		results = append(results, result{Request: id, State: string(out.Request.State)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": results})
}

// decideVisible decides a request the caller may see; one they may not
// see is "not found", exactly like an unknown id, so ids cannot be probed.
func (s *Server) decideVisible(r *http.Request, p Principal, id string, approve bool, comment string) (access.Outcome, error) {
	if _, err := s.Access.Explain(r.Context(), p.PersonID, id, p.seesAll()); err != nil {
		if errors.Is(err, access.ErrNotFound) || errors.Is(err, store.ErrNotFound) {
			s.record(r, p.Actor(), audit.ActionAccessDenied, "request:"+id, map[string]string{"action": "decide", "object": "request"})
		}
		return access.Outcome{}, err
	}
	return s.Access.Decide(r.Context(), p.PersonID, id, approve, comment)
}
