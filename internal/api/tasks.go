package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/authz"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
)

// listTasks: GET /api/v1/tasks?state=&assignee=&nhi=&after=&limit=
// (default: open), in id order; next is the after of the following page.
func (s *Server) listTasks(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q := store.TaskQuery{State: store.TaskState(v.Get("state")), AssigneeID: v.Get("assignee"), NHIID: v.Get("nhi")}
	// A task is its assignee's or, routed to a team, the team's members'
	// (and admins' and auditors'): others see only their own, whatever
	// they ask for.
	if p := principalFrom(r.Context()); !p.seesAll() {
		if p.PersonID == "" {
			writeError(w, http.StatusForbidden, "tasks are listed for their assignees; this token has no owner", nil)
			return
		}
		teams, err := nhi.Teams(r.Context(), s.Store, p.PersonID)
		if err != nil {
			s.fail(w, err)
			return
		}
		q.AssigneeID, q.AssigneeTeams = p.PersonID, teams
	}
	if q.State == "" {
		q.State = store.TaskOpen
	}
	var errs []nhi.FieldError
	if a := v.Get("after"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n < 0 {
			errs = append(errs, nhi.FieldError{Field: "after", Msg: fmt.Sprintf("must be a task id (the next of the previous page), got %q", a)})
		}
		q.AfterID = n
	}
	q.Limit, errs = limitParam(v.Get("limit"), errs)
	if errs != nil {
		writeError(w, http.StatusBadRequest, "invalid query", errs)
		return
	}
	ts, err := s.Store.ListTasks(r.Context(), q)
	if err != nil {
		s.fail(w, err)
		return
	}
	out := struct {
		Items []taskJSON `json:"items"`
		Next  string     `json:"next,omitempty"`
	}{Items: make([]taskJSON, len(ts))}
	for i, k := range ts {
		out.Items[i] = toTask(k)
	}
	if len(ts) == q.Limit {
		out.Next = strconv.FormatInt(ts[len(ts)-1].ID, 10)
	}
	writeJSON(w, http.StatusOK, out)
}

type acceptRequest struct {
	// NewOwner is the person taking over (id, userName or email);
	// default the caller.
	NewOwner string `json:"new_owner"`
	// WriteBack also writes the new owner to the NHI's source (see
	// writeOwnerBack); the acceptance stands when that fails, and the
	// answer says why in write_back_error.
	WriteBack bool `json:"write_back"`
}

type acceptResponse struct {
	taskJSON
	WrittenBack    bool   `json:"written_back"`
	WriteBackError string `json:"write_back_error,omitempty"`
}

// acceptTask: POST /api/v1/tasks/{id}/accept; the assignee (or, for a
// team's task, a member of the team) takes the NHI over or names a new
// owner, or an admin assigns one. Who may is checked by package nhi in
// the transaction that accepts.
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
	owner := req.NewOwner
	if owner == "" {
		owner = p.PersonID
	}
	if owner == "" {
		s.fail(w, &nhi.FieldError{Field: "new_owner", Msg: "required for token clients (a person id, userName or email)"})
		return
	}
	out, err := s.NHI.AcceptTask(r.Context(), p.subject(), p.Actor(), id, owner)
	if err != nil {
		if errors.Is(err, nhi.ErrForbidden) {
			s.record(r, p.Actor(), audit.ActionAccessDenied, "task:"+strconv.FormatInt(id, 10), map[string]string{"action": string(authz.Manage), "object": "task"})
		}
		s.fail(w, err)
		return
	}
	resp := acceptResponse{taskJSON: toTask(out)}
	if req.WriteBack {
		if _, err := s.NHI.WriteOwnerBack(r.Context(), p.Actor(), out.NHIID, nil); err != nil {
			resp.WriteBackError = err.Error()
		} else {
			resp.WrittenBack = true
		}
	}
	writeJSON(w, http.StatusOK, resp)
}
