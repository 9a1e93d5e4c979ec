package api

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
)

// listTasks: GET /api/v1/tasks?state=&assignee=&nhi= (default: open).
func (s *Server) listTasks(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q := store.TaskQuery{State: store.TaskState(v.Get("state")), AssigneeID: v.Get("assignee"), NHIID: v.Get("nhi"), Limit: maxPage}
	if q.State == "" {
		q.State = store.TaskOpen
	}
	ts, err := s.Store.ListTasks(r.Context(), q)
	if err != nil {
		s.fail(w, err)
		return
	}
	out := struct {
		Items []taskJSON `json:"items"`
	}{Items: make([]taskJSON, len(ts))}
	for i, k := range ts {
		out.Items[i] = toTask(k)
	}
	writeJSON(w, http.StatusOK, out)
}

type acceptRequest struct {
	// NewOwner is the person taking over; default the caller.
	NewOwner string `json:"new_owner"`
}

// acceptTask: POST /api/v1/tasks/{id}/accept; the assignee takes the NHI
// over (or names a new owner), or an admin assigns one.
func (s *Server) acceptTask(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, store.ErrNotFound)
		return
	}
	var req acceptRequest
	if fe := decode(w, r, &req); fe != nil {
		s.fail(w, fe)
		return
	}
	k, err := s.Store.GetTask(r.Context(), id)
	if err != nil {
		s.fail(w, err)
		return
	}
	if !p.Admin() && (p.PersonID == "" || k.AssigneeID != p.PersonID) {
		s.fail(w, fmt.Errorf("only the assignee of task %d or an admin may accept it: %w", id, errForbidden))
		return
	}
	owner := req.NewOwner
	if owner == "" {
		owner = p.PersonID
	}
	if owner == "" {
		s.fail(w, &nhi.FieldError{Field: "new_owner", Msg: "required for token clients (a person id)"})
		return
	}
	out, err := s.NHI.AcceptTask(r.Context(), p.Actor(), id, owner)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, toTask(out))
}
