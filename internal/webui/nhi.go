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
		if data.Findings, err = s.Findings.ListFindings(ctx, store.FindingQuery{NHIID: n.ID, States: all}); err != nil {
			s.internal(w, r, "nhi: findings", err)
			return
		}
	}
	events, err := s.history(ctx, "nhi:"+n.ID, "project:"+project.ID)
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

// historyScanLimit caps how much of the audit log a history view reads.
const historyScanLimit = 50000

// history returns the audit events on any of targets, newest first. The
// store has no index by target yet, so this scans the log (bounded).
func (s *Server) history(ctx context.Context, targets ...string) ([]store.AuditEvent, error) {
	want := map[string]bool{}
	for _, t := range targets {
		want[t] = true
	}
	var out []store.AuditEvent
	var after int64
	for scanned := 0; scanned < historyScanLimit; {
		evs, err := s.Store.ListAudit(ctx, after, 1000)
		if err != nil {
			return nil, err
		}
		for _, e := range evs {
			if want[e.Target] {
				out = append([]store.AuditEvent{e}, out...)
			}
		}
		scanned += len(evs)
		if len(evs) < 1000 {
			break
		}
		after = evs[len(evs)-1].Seq
	}
	return out, nil
}
