package webui

import (
	"errors"
	"net/http"
	"strings"

	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
)

// reassignOwner gives an NHI a new owner. Only its owners, its project's
// owner and admins may; anyone else gets the same answer as for an NHI
// that does not exist (or 403 when they may see but not change it).
func (s *Server) reassignOwner(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := auth.PrincipalFrom(ctx)
	n, _, acc, err := s.loadNHI(ctx, p, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r, "Non-human identity")
		return
	}
	if err != nil {
		s.internal(w, r, "reassign: load", err)
		return
	}
	if !acc.manage {
		s.Fail(w, r, http.StatusForbidden, "Not allowed", "Only the identity's owners, its project's owner and administrators can reassign it.")
		return
	}
	login := strings.TrimSpace(r.PostFormValue("owner"))
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if login == "" || reason == "" {
		s.Fail(w, r, http.StatusBadRequest, "Missing information", "Give the new owner's email or user name and a reason.")
		return
	}
	newOwner, err := s.personByLogin(ctx, login)
	if err != nil {
		s.internal(w, r, "reassign: find owner", err)
		return
	}
	if newOwner == "" {
		s.Fail(w, r, http.StatusBadRequest, "Unknown person", "No single person has the email or user name "+login+".")
		return
	}
	if s.NHI == nil {
		s.Fail(w, r, http.StatusServiceUnavailable, "Not configured", "Changing NHIs is not configured on this server.")
		return
	}
	// The API's owner change (nhi.Service.UpdateNHI): the same audit event
	// and the NHI's findings re-evaluated in its transaction.
	_, err = s.NHI.UpdateNHI(ctx, "person:"+p.PersonID, n.ID, nhi.NHIPatch{Owner: &newOwner, NewOwnerActive: true, Reason: reason}, nil)
	var invalid *nhi.ValidationError
	if errors.As(err, &invalid) {
		s.Fail(w, r, http.StatusBadRequest, "Cannot reassign", invalidText(invalid))
		return
	}
	if err != nil {
		s.internal(w, r, "reassign", err)
		return
	}
	s.Logger.Info("nhi owner reassigned", "nhi_id", n.ID, "by", p.PersonID, "to", newOwner)
	http.Redirect(w, r, "/nhis/"+n.ID+"?done=owner", http.StatusSeeOther)
}

// invalidText is what a person reads of the NHI service's refusal.
func invalidText(e *nhi.ValidationError) string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Msg
	}
	return strings.Join(parts, "; ")
}
