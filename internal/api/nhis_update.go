package api

import (
	"net/http"

	"github.com/syncd-dev/syncd/internal/nhi"
)

// updateNHIRequest is the body of PATCH /api/v1/nhis/{id}: absent fields
// stay as they are; "" clears owner, project or expires_at.
type updateNHIRequest struct {
	Owner       *string `json:"owner"`
	Project     *string `json:"project"`
	ExpiresAt   *string `json:"expires_at"`
	RotatedAt   *string `json:"rotated_at"`
	LastUsedAt  *string `json:"last_used_at"`
	Environment *string `json:"environment"`
	OwningTeam  *string `json:"owning_team"`
	Description *string `json:"description"`
}

// updateNHI: PATCH /api/v1/nhis/{id}.
func (s *Server) updateNHI(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	var req updateNHIRequest
	if fe := decode(w, r, &req); fe != nil {
		s.fail(w, fe)
		return
	}
	patch := nhi.NHIPatch{Owner: req.Owner, Project: req.Project, Environment: req.Environment, OwningTeam: req.OwningTeam, Description: req.Description}
	var errs []nhi.FieldError
	exp, set := dateField(&errs, "expires_at", req.ExpiresAt)
	patch.ExpiresAt, patch.ClearExpires = exp, set && exp == nil
	patch.RotatedAt, _ = dateField(&errs, "rotated_at", req.RotatedAt)
	patch.LastUsedAt, _ = dateField(&errs, "last_used_at", req.LastUsedAt)
	patch.Invalid = errs
	n, err := s.NHI.UpdateNHI(r.Context(), p.Actor(), r.PathValue("id"), patch, s.canNHI(r))
	if err != nil {
		s.denied(r, err, "nhi:"+r.PathValue("id"), "nhi")
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, NewNHIDoc(n))
}

// retireNHI: POST /api/v1/nhis/{id}/retire.
func (s *Server) retireNHI(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	n, err := s.NHI.RetireNHI(r.Context(), p.Actor(), r.PathValue("id"), s.canNHI(r))
	if err != nil {
		s.denied(r, err, "nhi:"+r.PathValue("id"), "nhi")
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, NewNHIDoc(n))
}
