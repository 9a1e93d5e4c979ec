package api

import (
	"net/http"

	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
)

// createNHIRequest is the body of POST /api/v1/nhis. Dates are YYYY-MM-DD
// or RFC 3339; owner and co_owners are person ids, userNames or emails;
// project is a project id or name.
type createNHIRequest struct {
	Kind        string   `json:"kind"`
	Name        string   `json:"name"`
	Source      string   `json:"source"`
	ExternalID  string   `json:"external_id"`
	Environment string   `json:"environment"`
	Owner       string   `json:"owner"`
	CoOwners    []string `json:"co_owners"`
	OwningTeam  string   `json:"owning_team"`
	Project     string   `json:"project"`
	Description string   `json:"description"`
	ExpiresAt   *string  `json:"expires_at"`
	RotatedAt   *string  `json:"rotated_at"`
	LastUsedAt  *string  `json:"last_used_at"`
}

// createNHI: POST /api/v1/nhis. A person who is not an admin may only
// create NHIs they own.
func (s *Server) createNHI(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	var req createNHIRequest
	if fe := decode(w, r, &req); fe != nil {
		s.fail(w, fe)
		return
	}
	in := nhi.NHIInput{
		Kind: store.NHIKind(req.Kind), Name: req.Name, Source: req.Source, ExternalID: req.ExternalID,
		Environment: req.Environment, Owner: req.Owner, CoOwners: req.CoOwners, OwningTeam: req.OwningTeam,
		Project: req.Project, Description: req.Description,
	}
	var errs []nhi.FieldError
	in.ExpiresAt, _ = dateField(&errs, "expires_at", req.ExpiresAt)
	in.RotatedAt, _ = dateField(&errs, "rotated_at", req.RotatedAt)
	in.LastUsedAt, _ = dateField(&errs, "last_used_at", req.LastUsedAt)
	if !p.Admin() {
		if req.Owner == "" {
			in.Owner = p.PersonID
		} else if req.Owner != p.PersonID {
			errs = append(errs, nhi.FieldError{Field: "owner", Msg: "you may only create NHIs you own (leave owner empty or give your own person id)"})
		}
	}
	in.Invalid = errs
	n, err := s.NHI.CreateNHI(r.Context(), p.Actor(), in)
	if err != nil {
		s.fail(w, err)
		return
	}
	w.Header().Set("Location", "/api/v1/nhis/"+n.ID)
	writeJSON(w, http.StatusCreated, NewNHIDoc(n))
}
