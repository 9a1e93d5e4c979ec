package webui

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/authz"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
)

// TaskAccepter closes a re-ownership task by naming the NHI's new owner;
// who may is checked in its transaction (nhi.Service.AcceptTask).
type TaskAccepter interface {
	AcceptTask(ctx context.Context, by authz.Principal, actor string, taskID int64, newOwner string) (store.ReownershipTask, error)
}

type tasksPage struct {
	Page
	Rows []taskRow
	// Next is the after= of the following page ("" on the last).
	Next string
}

type taskRow struct {
	Task        store.ReownershipTask
	NHIName     string
	FormerOwner string
	// Why says why the task is the viewer's, in words.
	Why     string
	Overdue bool
}

// myTasks is the viewer's open re-ownership tasks from after on: those
// assigned to them and to the teams (directory groups) they are in.
func (s *Server) myTasks(ctx context.Context, personID string, after int64, limit int) ([]store.ReownershipTask, error) {
	teams, err := nhi.Teams(ctx, s.Store, personID)
	if err != nil {
		return nil, err
	}
	return s.Store.ListTasks(ctx, store.TaskQuery{AssigneeID: personID, AssigneeTeams: teams, State: store.TaskOpen, AfterID: after, Limit: limit})
}

// tasks is My tasks: the NHIs whose owner left and that wait for the
// viewer (or the viewer's team) to take them over or name a new owner.
func (s *Server) tasks(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := auth.PrincipalFrom(ctx)
	var after int64
	if a := r.URL.Query().Get("after"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n < 0 {
			s.Fail(w, r, http.StatusBadRequest, "Invalid page", "The page link is not valid; start again from My tasks.")
			return
		}
		after = n
	}
	ks, err := s.myTasks(ctx, p.PersonID, after, pageSize)
	if err != nil {
		s.internal(w, r, "tasks: list", err)
		return
	}
	data := tasksPage{Page: s.page(r, "My tasks", "tasks")}
	if r.URL.Query().Get("done") == "accepted" {
		data.Flash = "Task accepted: the identity has its new owner."
	}
	names, now := s.names(ctx), s.Now()
	for _, k := range ks {
		row := taskRow{Task: k, NHIName: k.NHIID, FormerOwner: names(k.FormerOwnerID), Overdue: now.After(k.Deadline)}
		if n, err := s.Store.GetNHI(ctx, k.NHIID); err == nil {
			row.NHIName = n.Name
		} else if !errors.Is(err, store.ErrNotFound) {
			s.internal(w, r, "tasks: nhi", err)
			return
		}
		switch {
		case k.AssigneeID == p.PersonID && k.Route == store.RouteManager:
			row.Why = "You are the former owner's manager."
		case k.AssigneeID == p.PersonID && k.Route == store.RouteProjectOwner:
			row.Why = "You own the identity's project."
		case k.AssigneeID == p.PersonID:
			row.Why = "It is assigned to you."
		default:
			row.Why = "It is assigned to your team " + k.AssigneeTeam + "."
		}
		data.Rows = append(data.Rows, row)
	}
	if len(ks) == pageSize {
		data.Next = strconv.FormatInt(ks[len(ks)-1].ID, 10)
	}
	s.render(w, r, http.StatusOK, "tasks", data)
}

// acceptTask takes an NHI over from My tasks: the new owner is the one
// named (email, user name or id) or the viewer.
func (s *Server) acceptTask(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := auth.PrincipalFrom(ctx)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.notFound(w, r, "Task")
		return
	}
	if s.NHI == nil {
		s.Fail(w, r, http.StatusServiceUnavailable, "Not configured", "Changing NHIs is not configured on this server.")
		return
	}
	owner := strings.TrimSpace(r.PostFormValue("new_owner"))
	if owner == "" {
		owner = p.PersonID
	}
	_, err = s.NHI.AcceptTask(ctx, subject(p), "person:"+p.PersonID, id, owner)
	var invalid *nhi.ValidationError
	switch {
	case err == nil:
		s.Logger.Info("nhi re-ownership task accepted", "task", id, "by", p.PersonID)
		http.Redirect(w, r, "/tasks?done=accepted", http.StatusSeeOther)
	case errors.Is(err, store.ErrNotFound):
		s.notFound(w, r, "Task")
	case errors.Is(err, nhi.ErrForbidden):
		s.Fail(w, r, http.StatusForbidden, "Not allowed", "Only the person or team the task is assigned to, and administrators, can accept it.")
	case errors.Is(err, nhi.ErrClosed):
		s.Fail(w, r, http.StatusConflict, "Already closed", "This task is no longer open: someone accepted it, or it was cancelled or expired.")
	case errors.As(err, &invalid):
		s.Fail(w, r, http.StatusBadRequest, "Cannot accept", invalidText(invalid))
	default:
		s.internal(w, r, "tasks: accept", err)
	}
}

// openTasks counts the viewer's open tasks for the home page (up to a
// page: the page says "50 or more").
func (s *Server) openTasks(ctx context.Context, personID string) (int, error) {
	ks, err := s.myTasks(ctx, personID, 0, pageSize)
	return len(ks), err
}
