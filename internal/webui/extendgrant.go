package webui

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/store"
)

// extendGrant asks for more time on a grant of the viewer or of a direct
// report; the
// extension is a request decided by the same policy, shown on its page.
func (s *Server) extendGrant(w http.ResponseWriter, r *http.Request) {
	if s.Access == nil {
		s.notFound(w, r, "Grant")
		return
	}
	p := auth.PrincipalFrom(r.Context())
	g, err := s.Store.GetGrant(r.Context(), r.PathValue("id"))
	if err != nil || !s.mayExtend(r, p.PersonID, g) {
		s.notFound(w, r, "Grant")
		return
	}
	end, err := time.Parse("2006-01-02", strings.TrimSpace(r.PostFormValue("end")))
	if err != nil {
		s.Fail(w, r, http.StatusBadRequest, "Invalid end date", "Give the new end date as YYYY-MM-DD.")
		return
	}
	out, err := s.Access.Extend(r.Context(), p.PersonID, g.ID, end.Add(24*time.Hour-time.Second), strings.TrimSpace(r.PostFormValue("justification")))
	switch {
	case errors.Is(err, access.ErrInvalid), errors.Is(err, access.ErrStateChanged):
		s.Fail(w, r, http.StatusBadRequest, "Cannot extend", strings.TrimPrefix(err.Error(), "access: "))
		return
	case err != nil && out.Request.ID == "":
		s.internal(w, r, "extend grant", err)
		return
	}
	http.Redirect(w, r, "/requests/"+out.Request.ID, http.StatusSeeOther)
}

// mayExtend: the holder and the holder's direct manager ask for more time
// (the rule access.Submit applies to any request, and the JSON API's).
func (s *Server) mayExtend(r *http.Request, personID string, g store.Grant) bool {
	if g.HolderID == personID {
		return true
	}
	holder, err := s.Store.GetPerson(r.Context(), g.HolderID)
	return err == nil && personID != "" && holder.ManagerID == personID
}
