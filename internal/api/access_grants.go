package api

import (
	"net/http"

	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
)

// listGrants: GET /api/v1/grants. A person sees their own; admins,
// auditors and tokens see all (filters holder, item, state).
func (s *Server) listGrants(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	q := store.GrantQuery{HolderID: r.URL.Query().Get("holder"), ItemID: r.URL.Query().Get("item"), Limit: 500}
	if st := r.URL.Query().Get("state"); st != "" {
		q.States = []store.GrantState{store.GrantState(st)}
	}
	if !p.seesAll() {
		q.HolderID = p.PersonID
	}
	gs, err := s.Store.ListGrants(r.Context(), q)
	if err != nil {
		s.fail(w, err)
		return
	}
	out := make([]grantJSON, len(gs))
	for i, g := range gs {
		out[i] = toGrant(g)
	}
	writeJSON(w, http.StatusOK, map[string]any{"grants": out})
}

type revokeBody struct {
	Reason string `json:"reason"`
}

// revokeGrant: POST /api/v1/grants/{id}/revoke {"reason"}: the item owner
// or an admin ends a grant early.
func (s *Server) revokeGrant(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	var b revokeBody
	if fe := decode(w, r, &b); fe != nil {
		writeError(w, http.StatusBadRequest, "invalid input", []nhi.FieldError{*fe})
		return
	}
	g, err := s.Access.RevokeAs(r.Context(), p.Actor(), r.PathValue("id"), b.Reason, p.Admin())
	if err != nil {
		s.failAccess(w, err)
		return
	}
	writeJSON(w, http.StatusOK, toGrant(g))
}

// confirmGrant: POST /api/v1/grants/{id}/confirm: the item owner confirms
// a manual fulfillment is done.
func (s *Server) confirmGrant(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	if !personOnly(w, p) {
		return
	}
	g, err := s.Access.ConfirmFulfillment(r.Context(), p.PersonID, r.PathValue("id"), p.Admin())
	if err != nil {
		s.failAccess(w, err)
		return
	}
	writeJSON(w, http.StatusOK, toGrant(g))
}
