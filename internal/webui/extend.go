package webui

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/store"
)

// extendProject moves the end date of the NHI's project; same permission
// as reassigning the NHI.
func (s *Server) extendProject(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := auth.PrincipalFrom(ctx)
	n, project, acc, err := s.loadNHI(ctx, p, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r, "Non-human identity")
		return
	}
	if err != nil {
		s.internal(w, r, "extend: load", err)
		return
	}
	if !acc.manage {
		s.Fail(w, r, http.StatusForbidden, "Not allowed", "Only the identity's owners, its project's owner and administrators can extend its project.")
		return
	}
	if project.ID == "" {
		s.Fail(w, r, http.StatusBadRequest, "No project", "This identity belongs to no project.")
		return
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	end, err := time.Parse("2006-01-02", r.PostFormValue("end_date"))
	if err != nil || reason == "" {
		s.Fail(w, r, http.StatusBadRequest, "Missing information", "Give the new end date as YYYY-MM-DD and a reason.")
		return
	}
	err = extendProject(ctx, s.NHIWrites, s.Now(), p.PersonID, project.ID, end, reason)
	if errors.Is(err, errInvalid) {
		s.Fail(w, r, http.StatusBadRequest, "Cannot extend", strings.TrimPrefix(err.Error(), "invalid: "))
		return
	}
	if err != nil {
		s.internal(w, r, "extend project", err)
		return
	}
	s.Logger.Info("project extended", "project_id", project.ID, "by", p.PersonID, "end", end.Format("2006-01-02"))
	s.reevaluate(r, n.ID)
	http.Redirect(w, r, "/nhis/"+n.ID+"?done=project", http.StatusSeeOther)
}
