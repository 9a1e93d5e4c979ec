package webui

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/store"
)

type nhiPage struct {
	Page
	NHI               store.NHI
	Owner             store.Person
	Project           store.Project
	ProjectOwner      store.Person
	FindingsAvailable bool
	Findings          []store.Finding
	CanManage         bool
	History           []historyRow
}

// historyRow is an audit event with its actor named.
type historyRow struct {
	store.AuditEvent
	Who string
}

// loadNHI returns the NHI, its project and what p may do with it; a
// missing NHI and one p may not see both give store.ErrNotFound.
func (s *Server) loadNHI(ctx context.Context, p *auth.Principal, id string) (store.NHI, store.Project, nhiAccess, error) {
	n, err := s.Store.GetNHI(ctx, id)
	if err != nil {
		return n, store.Project{}, nhiAccess{}, err
	}
	var project store.Project
	if n.ProjectID != "" {
		project, err = s.Store.GetProject(ctx, n.ProjectID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return n, project, nhiAccess{}, err
		}
	}
	acc, err := s.accessNHI(ctx, p, n, project)
	if err != nil {
		return n, project, acc, err
	}
	if !acc.see {
		return n, project, acc, store.ErrNotFound
	}
	return n, project, acc, nil
}

func (s *Server) nhi(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := auth.PrincipalFrom(ctx)
	n, project, acc, err := s.loadNHI(ctx, p, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r, "Non-human identity")
		return
	}
	if err != nil {
		s.internal(w, r, "nhi: load", err)
		return
	}
	data := nhiPage{Page: s.page(r, n.Name, "nhis"), NHI: n, Project: project, CanManage: acc.manage, FindingsAvailable: s.Findings != nil}
	if n.OwnerID != "" {
		if data.Owner, err = s.Store.GetPerson(ctx, n.OwnerID); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.internal(w, r, "nhi: owner", err)
			return
		}
	}
	if project.OwnerID != "" {
		if data.ProjectOwner, err = s.Store.GetPerson(ctx, project.OwnerID); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.internal(w, r, "nhi: project owner", err)
			return
		}
	}
	if s.Findings != nil {
		all := []store.FindingState{store.FindingOpen, store.FindingAcknowledged, store.FindingResolved}
		if data.Findings, err = s.Findings.ListFindings(ctx, store.FindingQuery{NHIID: n.ID, States: all, Limit: store.All}); err != nil {
			s.internal(w, r, "nhi: findings", err)
			return
		}
	}
	targets := []string{"nhi:" + n.ID}
	if project.ID != "" {
		targets = append(targets, "project:"+project.ID)
	}
	events, err := s.history(ctx, targets...)
	if err != nil {
		s.internal(w, r, "nhi: history", err)
		return
	}
	for _, ev := range events {
		who := ev.Actor
		if id, ok := strings.CutPrefix(ev.Actor, "person:"); ok {
			if p, err := s.Store.GetPerson(ctx, id); err == nil {
				who = p.DisplayName
			}
		}
		data.History = append(data.History, historyRow{AuditEvent: ev, Who: who})
	}
	s.render(w, r, http.StatusOK, "nhi", data)
}

// historyLength is how many audit events an NHI page shows.
const historyLength = 100

// history returns the newest audit events on any of targets.
func (s *Server) history(ctx context.Context, targets ...string) ([]store.AuditEvent, error) {
	return s.Store.ListAuditByTarget(ctx, targets, historyLength)
}
