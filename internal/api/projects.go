package api

import (
	"net/http"

	"github.com/syncd-dev/syncd/internal/authz"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
)

type createProjectRequest struct {
	Name      string  `json:"name"`
	Owner     string  `json:"owner"`
	StartDate *string `json:"start_date"`
	EndDate   *string `json:"end_date"`
}

type updateProjectRequest struct {
	Owner   *string `json:"owner"`
	EndDate *string `json:"end_date"` // "" clears
	Status  *string `json:"status"`
}

// listProjects: GET /api/v1/projects.
func (s *Server) listProjects(w http.ResponseWriter, r *http.Request) {
	all, err := s.Store.ListProjects(r.Context())
	if err != nil {
		s.fail(w, err)
		return
	}
	var ps []store.Project
	for _, pr := range all {
		ok, err := s.policy().Allowed(r.Context(), principalFrom(r.Context()).subject(), authz.Read, authz.Project{Project: pr})
		if err != nil {
			s.fail(w, err)
			return
		}
		if ok {
			ps = append(ps, pr)
		}
	}
	out := struct {
		Items []projectJSON `json:"items"`
	}{Items: make([]projectJSON, len(ps))}
	for i, p := range ps {
		out.Items[i] = toProject(p)
	}
	writeJSON(w, http.StatusOK, out)
}

// getProject: GET /api/v1/projects/{id}.
func (s *Server) getProject(w http.ResponseWriter, r *http.Request) {
	p, err := s.Store.GetProject(r.Context(), r.PathValue("id"))
	if err == nil {
		var ok bool
		if ok, err = s.allowed(r, authz.Read, authz.Project{Project: p}, "project:"+p.ID); err == nil && !ok {
			err = store.ErrNotFound
		}
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, toProject(p))
}

// createProject: POST /api/v1/projects. A person who is not an admin
// creates projects they own.
func (s *Server) createProject(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	var req createProjectRequest
	if fe := decode(w, r, &req); fe != nil {
		s.fail(w, fe)
		return
	}
	in := nhi.ProjectInput{Name: req.Name, Owner: req.Owner}
	var errs []nhi.FieldError
	in.StartDate, _ = dateField(&errs, "start_date", req.StartDate)
	in.EndDate, _ = dateField(&errs, "end_date", req.EndDate)
	if !p.Admin() {
		if req.Owner == "" {
			in.Owner = p.PersonID
		} else if req.Owner != p.PersonID {
			errs = append(errs, nhi.FieldError{Field: "owner", Msg: "you may only create projects you own"})
		}
	}
	in.Invalid = errs
	out, err := s.NHI.CreateProject(r.Context(), p.Actor(), in)
	if err != nil {
		s.fail(w, err)
		return
	}
	w.Header().Set("Location", "/api/v1/projects/"+out.ID)
	writeJSON(w, http.StatusCreated, toProject(out))
}

// updateProject: PATCH /api/v1/projects/{id}; the project owner or an
// admin.
func (s *Server) updateProject(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	var req updateProjectRequest
	if fe := decode(w, r, &req); fe != nil {
		s.fail(w, fe)
		return
	}
	patch := nhi.ProjectPatch{Owner: req.Owner}
	var errs []nhi.FieldError
	end, set := dateField(&errs, "end_date", req.EndDate)
	patch.EndDate, patch.ClearEnd = end, set && end == nil
	if req.Status != nil {
		st := store.ProjectStatus(*req.Status)
		patch.Status = &st
	}
	patch.Invalid = errs
	out, err := s.NHI.UpdateProject(r.Context(), p.Actor(), r.PathValue("id"), patch, s.canProject(r))
	if err != nil {
		s.denied(r, err, "project:"+r.PathValue("id"), "project")
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, toProject(out))
}
