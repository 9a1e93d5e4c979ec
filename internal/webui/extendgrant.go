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
	form := extendForm{GrantID: g.ID, End: strings.TrimSpace(r.PostFormValue("end")), Justification: strings.TrimSpace(r.PostFormValue("justification"))}
	end, err := time.Parse("2006-01-02", form.End)
	switch {
	case err != nil:
		form.Error = "There is no such date. Give the new end as YYYY-MM-DD."
	case !end.After(g.End):
		form.Error = "Choose a day after the grant's current end, " + g.End.UTC().Format("2006-01-02") + "."
	}
	if form.Error != "" {
		s.renderRequests(w, r, http.StatusUnprocessableEntity, form)
		return
	}
	out, err := s.Access.Extend(r.Context(), p.PersonID, g.ID, end.Add(24*time.Hour-time.Second), form.Justification)
	switch {
	case errors.Is(err, access.ErrInvalid), errors.Is(err, access.ErrStateChanged), errors.Is(err, access.ErrConflict):
		form.Error = submitMessage(err)
		s.renderRequests(w, r, http.StatusUnprocessableEntity, form)
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
