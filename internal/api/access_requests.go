package api

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
)

// personOnly refuses callers that are not a person: requests and approval
// decisions are made by people, never by a machine token.
func personOnly(w http.ResponseWriter, p Principal) bool {
	if p.PersonID == "" {
		writeError(w, http.StatusForbidden, "requests and approvals are made by a signed-in person, not an API token", nil)
		return false
	}
	return true
}

// failAccess maps the request flow's errors onto responses, in words
// that never expose internal package or database wording.
func (s *Server) failAccess(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, access.ErrNotFound), errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not found", nil)
	case errors.Is(err, access.ErrForbidden):
		writeError(w, http.StatusForbidden, publicMessage(err, "not allowed"), nil)
	case errors.Is(err, access.ErrInvalid):
		writeError(w, http.StatusBadRequest, publicMessage(err, "invalid request"), nil)
	case errors.Is(err, access.ErrGone):
		writeError(w, http.StatusGone, publicMessage(err, "already retrieved"), nil)
	case errors.Is(err, access.ErrStateChanged), errors.Is(err, access.ErrConflict):
		writeError(w, http.StatusConflict, publicMessage(err, "the request or grant changed meanwhile; reload and try again"), nil)
	default:
		s.fail(w, err)
	}
}

type submitBody struct {
	Item        string `json:"item"`
	Beneficiary string `json:"beneficiary"`
	// BeneficiaryNHI: an NHI the caller owns, for whom they ask.
	BeneficiaryNHI string  `json:"beneficiary_nhi"`
	Justification  string  `json:"justification"`
	Environment    string  `json:"environment"`
	NHIName        string  `json:"nhi_name"`
	Project        string  `json:"project"`
	Start          *string `json:"start"`
	End            *string `json:"end"`
}

// submitRequest: POST /api/v1/requests. The answer carries the decision in
// words, and a grant when policy auto-approved it.
func (s *Server) submitRequest(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	if !personOnly(w, p) {
		return
	}
	var b submitBody
	if fe := decode(w, r, &b); fe != nil {
		writeError(w, http.StatusBadRequest, "invalid input; nothing was stored", []nhi.FieldError{*fe})
		return
	}
	var errs []nhi.FieldError
	if strings.TrimSpace(b.Item) == "" {
		errs = append(errs, nhi.FieldError{Field: "item", Msg: "required"})
	}
	start, _ := dateField(&errs, "start", b.Start)
	end, _ := dateField(&errs, "end", b.End)
	if len(errs) > 0 {
		writeError(w, http.StatusBadRequest, "invalid input; nothing was stored", errs)
		return
	}
	beneficiary, err := s.Access.ResolvePerson(r.Context(), strings.TrimSpace(b.Beneficiary))
	if err != nil {
		s.failAccess(w, err)
		return
	}
	sub := access.Submission{RequesterID: p.PersonID, BeneficiaryID: beneficiary, BeneficiaryNHI: b.BeneficiaryNHI, ItemID: b.Item, Justification: b.Justification,
		Environment: b.Environment, NHIName: b.NHIName, Project: b.Project}
	if start != nil {
		sub.Start = *start
	}
	if end != nil {
		sub.End = *end
	}
	out, err := s.Access.Submit(r.Context(), sub)
	if err != nil {
		s.failAccess(w, err)
		return
	}
	status := http.StatusCreated
	writeJSON(w, status, toOutcome(out))
}

// listRequests: GET /api/v1/requests. A person sees the requests they made
// or benefit from; admins and auditors (and tokens) see all, filtered by
// state, item and beneficiary.
func (s *Server) listRequests(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	q := store.RequestQuery{State: store.RequestState(r.URL.Query().Get("state")), ItemID: r.URL.Query().Get("item"), Limit: 200}
	if !p.seesAll() {
		var mine []store.AccessRequest
		seen := map[string]bool{}
		for _, qq := range []store.RequestQuery{{RequesterID: p.PersonID}, {BeneficiaryID: p.PersonID}} {
			qq.State, qq.ItemID, qq.Limit = q.State, q.ItemID, q.Limit
			rs, err := s.Store.ListRequests(r.Context(), qq)
			if err != nil {
				s.fail(w, err)
				return
			}
			for _, x := range rs {
				if !seen[x.ID] {
					seen[x.ID] = true
					mine = append(mine, x)
				}
			}
		}
		// Newest first, like the store's own order.
		slices.SortFunc(mine, func(a, b store.AccessRequest) int {
			if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
				return c
			}
			return strings.Compare(b.ID, a.ID)
		})
		writeRequests(w, mine)
		return
	}
	q.BeneficiaryID = r.URL.Query().Get("beneficiary")
	rs, err := s.Store.ListRequests(r.Context(), q)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeRequests(w, rs)
}

// writeRequests answers {"requests": [...]}, an empty list as [].
func writeRequests(w http.ResponseWriter, rs []store.AccessRequest) {
	out := make([]requestJSON, len(rs))
	for i, x := range rs {
		out[i] = toRequest(x)
	}
	writeJSON(w, http.StatusOK, map[string]any{"requests": out})
}

// explainRequest: GET /api/v1/requests/{id}/explanation: the decision
// record (inputs, catalog version, rule, reasons) and every approver
// decision. Others' requests are 404 unless the caller sees all.
func (s *Server) explainRequest(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	ex, err := s.Access.Explain(r.Context(), p.PersonID, r.PathValue("id"), p.seesAll())
	if err != nil {
		s.failAccess(w, err)
		return
	}
	type approval struct {
		Stage      int       `json:"stage"`
		ApproverID string    `json:"approver_id"`
		Approve    bool      `json:"approve"`
		Comment    string    `json:"comment,omitempty"`
		At         time.Time `json:"at"`
	}
	var approvals []approval
	for _, a := range ex.Approvals {
		approvals = append(approvals, approval{Stage: a.Stage, ApproverID: a.ApproverID, Approve: a.Approve, Comment: a.Comment, At: a.CreatedAt})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"request":         toRequest(ex.Request),
		"outcome":         ex.Decision.Outcome,
		"rule":            ex.Decision.Rule,
		"reasons":         ex.Decision.Reasons,
		"explanation":     ex.Decision.Explanation,
		"catalog_version": ex.Decision.CatalogVersion,
		"inputs":          rawJSON(ex.Decision.Inputs),
		"decided_at":      ex.Decision.CreatedAt,
		"approvals":       approvals,
	})
}

type rawJSON []byte

func (r rawJSON) MarshalJSON() ([]byte, error) {
	if len(r) == 0 {
		return []byte("null"), nil
	}
	return r, nil
}
