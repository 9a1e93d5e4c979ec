package webui

import (
	"errors"
	"net/http"
	"strings"

	"github.com/syncd-dev/syncd/internal/auth"
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
	err = reassign(ctx, s.NHIWrites, s.Now(), p.PersonID, n.ID, newOwner, reason)
	if errors.Is(err, errInvalid) {
		s.Fail(w, r, http.StatusBadRequest, "Cannot reassign", strings.TrimPrefix(err.Error(), "invalid: "))
		return
	}
	if err != nil {
		s.internal(w, r, "reassign", err)
		return
	}
	s.Logger.Info("nhi owner reassigned", "nhi_id", n.ID, "by", p.PersonID, "to", newOwner)
	s.reevaluate(r, n.ID)
	http.Redirect(w, r, "/nhis/"+n.ID+"?done=owner", http.StatusSeeOther)
}

// reevaluate asks the findings engine to re-run the rules for the NHI; a
// failure is logged, not shown: the change itself is committed and the
// next scheduled evaluation catches up.
func (s *Server) reevaluate(r *http.Request, nhiID string) {
	if s.Findings == nil {
		return
	}
	if err := s.Findings.Reevaluate(r.Context(), nhiID); err != nil {
		s.Logger.Warn("re-evaluate orphan rules", "nhi_id", nhiID, "err", err)
	}
}
