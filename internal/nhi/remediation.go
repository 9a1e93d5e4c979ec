package nhi

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/authz"
	"github.com/syncd-dev/syncd/internal/store"
)

// Route picks who is asked to take over an NHI whose owner left: the
// owner's manager when active, else the project owner when active (and not
// the leaver), else the fallback team.
func Route(n *store.NHI, inv Inventory, fallbackTeam string) (route, assigneeID, team string) {
	owner := inv.Persons[n.OwnerID]
	if m, ok := inv.Persons[owner.ManagerID]; ok && owner.ManagerID != "" && m.Status == store.StatusActive && m.ID != owner.ID {
		return store.RouteManager, m.ID, ""
	}
	if p, ok := inv.Projects[n.ProjectID]; ok && p.OwnerID != "" && p.OwnerID != n.OwnerID {
		if po, ok := inv.Persons[p.OwnerID]; ok && po.Status == store.StatusActive {
			return store.RouteProjectOwner, po.ID, ""
		}
	}
	return store.RouteFallbackTeam, "", fallbackTeam
}

// syncTasks opens a re-ownership task for every NHI whose owner is
// inactive and has none (unless one already expired for the same former
// owner: its default action stands), and cancels open tasks whose cause
// went away.
func (s *Service) syncTasks(ctx context.Context, tx store.Tx, inv Inventory, hits []Hit, open []store.ReownershipTask, scope map[string]bool, now time.Time, sum *Summary) error {
	leaver := map[string]bool{}
	for _, h := range hits {
		if h.Rule == RuleOwnerInactive {
			leaver[h.NHIID] = true
		}
	}
	hasOpen := map[string]bool{}
	for _, k := range open {
		if scope != nil && !scope[k.NHIID] {
			continue
		}
		if leaver[k.NHIID] {
			hasOpen[k.NHIID] = true
			continue
		}
		k.State, k.ClosedAt, k.ClosedBy = store.TaskCancelled, &now, "system"
		if _, err := tx.UpdateTask(ctx, k.ID, func(store.ReownershipTask) (store.ReownershipTask, error) { return k, nil }); err != nil {
			return err
		}
		if _, err := audit.Append(ctx, tx, now, audit.Entry{
			Actor: "system", Action: audit.ActionNHITaskCancelled, Target: "nhi:" + k.NHIID,
			Details: map[string]any{"task": k.ID, "reason": "the owner is no longer inactive, or the NHI is no longer active"},
		}); err != nil {
			return err
		}
		sum.TasksCancelled++
	}
	if len(leaver) == len(hasOpen) {
		return nil
	}
	expired, err := expiredTasks(ctx, tx, scope)
	if err != nil {
		return err
	}
	deadline := s.Remediation.Deadline
	if deadline <= 0 {
		deadline = 14 * 24 * time.Hour
	}
	var create []store.ReownershipTask
	for i := range inv.NHIs {
		n := &inv.NHIs[i]
		if !leaver[n.ID] || hasOpen[n.ID] || expired[n.ID+"\x00"+n.OwnerID] {
			continue
		}
		route, who, team := Route(n, inv, s.Remediation.FallbackTeam)
		create = append(create, store.ReownershipTask{
			NHIID: n.ID, FormerOwnerID: n.OwnerID, Route: route, AssigneeID: who, AssigneeTeam: team,
			CreatedAt: now, Deadline: now.Add(deadline),
		})
	}
	created, err := tx.CreateTasks(ctx, create)
	if err != nil {
		return err
	}
	if len(created) == 0 {
		return nil
	}
	// One audit event lists every task this evaluation opened: a first
	// evaluation may open thousands, and one chained event per task would
	// hold the audit chain lock for seconds. Each entry names its NHI.
	opened := make([]map[string]any, len(created))
	for i, k := range created {
		opened[i] = map[string]any{"task": k.ID, "nhi": k.NHIID, "former_owner": k.FormerOwnerID, "route": k.Route,
			"assignee": k.AssigneeID, "team": k.AssigneeTeam, "deadline": k.Deadline}
		s.logger().Info("nhi re-ownership task", "nhi", k.NHIID, "route", k.Route, "assignee", k.AssigneeID, "team", k.AssigneeTeam, "deadline", k.Deadline)
	}
	target := "nhi-tasks"
	if len(created) == 1 {
		target = "nhi:" + created[0].NHIID
	}
	if _, err := audit.Append(ctx, tx, now, audit.Entry{
		Actor: "system", Action: audit.ActionNHITaskCreated, Target: target, Details: map[string]any{"tasks": opened},
	}); err != nil {
		return err
	}
	if err := notifyTasks(ctx, tx, created, now); err != nil {
		return err
	}
	sum.TasksCreated += len(created)
	return nil
}

// expiredTasks returns "nhi\x00former owner" of expired tasks in scope.
func expiredTasks(ctx context.Context, tx store.Tx, scope map[string]bool) (map[string]bool, error) {
	var ts []store.ReownershipTask
	if scope == nil {
		all, err := tx.ListTasks(ctx, store.TaskQuery{State: store.TaskExpired, Limit: store.All})
		if err != nil {
			return nil, err
		}
		ts = all
	} else {
		for id := range scope {
			some, err := tx.ListTasks(ctx, store.TaskQuery{State: store.TaskExpired, NHIID: id, Limit: store.All})
			if err != nil {
				return nil, err
			}
			ts = append(ts, some...)
		}
	}
	out := make(map[string]bool, len(ts))
	for _, k := range ts {
		out[k.NHIID+"\x00"+k.FormerOwnerID] = true
	}
	return out, nil
}

// expireTasks applies the default action to open tasks past their
// deadline.
func (s *Service) expireTasks(ctx context.Context, tx store.Tx, now time.Time) (int, error) {
	due, err := tx.ListTasks(ctx, store.TaskQuery{State: store.TaskOpen, DueBefore: &now, Limit: store.All})
	if err != nil {
		return 0, err
	}
	action := s.Remediation.DefaultAction
	if action == "" {
		action = ActionFlag
	}
	for _, k := range due {
		if action == ActionDisable {
			n, err := tx.UpdateNHI(ctx, k.NHIID, func(n store.NHI) (store.NHI, error) {
				if n.Status == store.NHIActive {
					n.Status = store.NHIDisabled
				}
				return n, nil
			})
			if err != nil {
				return 0, err
			}
			writeBack := false
			if d, ok := s.Disablers[n.Source]; ok {
				if err := d.DisableNHI(ctx, n); err != nil {
					return 0, fmt.Errorf("disable %s in source %q: %w", n.Name, n.Source, err)
				}
				writeBack = true
			}
			if _, err := audit.Append(ctx, tx, now, audit.Entry{
				Actor: "system", Action: audit.ActionNHIDisabled, Target: "nhi:" + k.NHIID,
				Details: map[string]any{"task": k.ID, "name": n.Name, "reason": "re-ownership deadline passed", "source_write_back": writeBack},
			}); err != nil {
				return 0, err
			}
		} else if _, err := audit.Append(ctx, tx, now, audit.Entry{
			Actor: "system", Action: audit.ActionNHIFlaggedDisablement, Target: "nhi:" + k.NHIID,
			Details: map[string]any{"task": k.ID, "reason": "re-ownership deadline passed"},
		}); err != nil {
			return 0, err
		}
		k.State, k.ClosedAt, k.ClosedBy, k.Action = store.TaskExpired, &now, "system", action
		if _, err := tx.UpdateTask(ctx, k.ID, func(store.ReownershipTask) (store.ReownershipTask, error) { return k, nil }); err != nil {
			return 0, err
		}
		if _, err := audit.Append(ctx, tx, now, audit.Entry{
			Actor: "system", Action: audit.ActionNHITaskExpired, Target: "nhi:" + k.NHIID,
			Details: map[string]any{"task": k.ID, "route": k.Route, "assignee": k.AssigneeID, "team": k.AssigneeTeam, "action": action},
		}); err != nil {
			return 0, err
		}
		s.logger().Warn("nhi re-ownership deadline passed", "nhi", k.NHIID, "task", k.ID, "action", action)
	}
	return len(due), nil
}

// AcceptTask closes an open task by making newOwner (an active person,
// named by id, userName or email) the NHI's owner; the NHI is re-evaluated
// at once, so its owner-inactive finding resolves in the same transaction.
// by must be allowed to act on the task (authz.Task: its assignee, an
// active member of the team it is assigned to, or an admin), checked in
// that transaction against current data: a team member who has left the
// team, or a person who is no longer active, is refused with ErrForbidden.
func (s *Service) AcceptTask(ctx context.Context, by authz.Principal, actor string, taskID int64, newOwner string) (store.ReownershipTask, error) {
	var out store.ReownershipTask
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		now := s.now()
		k, err := tx.GetTask(ctx, taskID)
		if err != nil {
			return err
		}
		if err := mayAct(ctx, tx, by, k); err != nil {
			return err
		}
		if k.State != store.TaskOpen {
			return fmt.Errorf("task %d is %s: %w", taskID, k.State, ErrClosed)
		}
		id, fe, err := resolvePerson(ctx, tx, "new_owner", newOwner)
		if err != nil {
			return err
		}
		if fe != nil {
			return &ValidationError{Fields: []FieldError{*fe}}
		}
		p, err := tx.GetPerson(ctx, id)
		if err != nil {
			return err
		}
		if p.Status != store.StatusActive {
			return &ValidationError{Fields: []FieldError{{Field: "new_owner", Msg: fmt.Sprintf("%s is %s, not active", p.UserName, p.Status)}}}
		}
		if _, err := tx.UpdateNHI(ctx, k.NHIID, func(n store.NHI) (store.NHI, error) {
			n.OwnerID, n.OwnerRef = p.ID, p.UserName
			return n, nil
		}); err != nil {
			return err
		}
		k.State, k.ClosedAt, k.ClosedBy, k.NewOwnerID = store.TaskAccepted, &now, actor, p.ID
		if out, err = tx.UpdateTask(ctx, k.ID, func(store.ReownershipTask) (store.ReownershipTask, error) { return k, nil }); err != nil {
			return err
		}
		if _, err := audit.Append(ctx, tx, now, audit.Entry{
			Actor: actor, Action: audit.ActionNHITaskAccepted, Target: "nhi:" + k.NHIID,
			Details: map[string]any{"task": k.ID, "former_owner": k.FormerOwnerID, "new_owner": p.ID},
		}); err != nil {
			return err
		}
		_, err = s.reevaluate(ctx, tx, []string{k.NHIID}, now)
		return err
	})
	if err != nil {
		return store.ReownershipTask{}, fmt.Errorf("nhi: accept task %d: %w", taskID, err)
	}
	return out, nil
}

// mayAct checks, in tx, that by may act on task k (see AcceptTask).
func mayAct(ctx context.Context, tx store.Tx, by authz.Principal, k store.ReownershipTask) error {
	forbidden := fmt.Errorf("only the assignee of task %d, an active member of the team it is assigned to, or an admin may act on it: %w", k.ID, ErrForbidden)
	if by.PersonID != "" {
		p, err := tx.GetPerson(ctx, by.PersonID)
		if errors.Is(err, store.ErrNotFound) {
			return forbidden
		}
		if err != nil {
			return err
		}
		if p.Status != store.StatusActive {
			return forbidden
		}
	}
	member := false
	if k.AssigneeTeam != "" && by.PersonID != "" {
		var err error
		if member, err = inTeam(ctx, tx, k.AssigneeTeam, by.PersonID); err != nil {
			return err
		}
	}
	ok, err := authz.Policy{People: tx}.Allowed(ctx, by, authz.Manage, authz.Task{Task: k, TeamMember: member})
	if err != nil {
		return err
	}
	if !ok {
		return forbidden
	}
	return nil
}

// Acknowledge records a documented exception for an unresolved finding
// until expires; after that the next evaluation reopens it if it still
// fires.
func (s *Service) Acknowledge(ctx context.Context, actor string, findingID int64, justification string, expires time.Time) (store.Finding, error) {
	var out store.Finding
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		now := s.now()
		var fe []FieldError
		if justification == "" {
			fe = append(fe, FieldError{Field: "justification", Msg: "required"})
		}
		if !expires.After(now) {
			fe = append(fe, FieldError{Field: "expires", Msg: fmt.Sprintf("%s is not in the future", expires.UTC().Format(time.RFC3339))})
		}
		if fe != nil {
			return &ValidationError{Fields: fe}
		}
		f, err := tx.GetFinding(ctx, findingID)
		if err != nil {
			return err
		}
		if f.State == store.FindingResolved {
			return fmt.Errorf("finding %d is resolved: %w", findingID, ErrClosed)
		}
		exp := expires.UTC().Truncate(time.Microsecond)
		f.State, f.AckBy, f.AckJustification, f.AckExpiresAt, f.UpdatedAt = store.FindingAcknowledged, actor, justification, &exp, now
		if err := tx.SaveFindings(ctx, []store.Finding{f}); err != nil {
			return err
		}
		if err := tx.AddFindingEvents(ctx, []store.FindingEvent{{FindingID: f.ID, At: now, Kind: EventAcknowledged, Actor: actor, Reason: justification}}); err != nil {
			return err
		}
		out = f
		_, err = audit.Append(ctx, tx, now, audit.Entry{
			Actor: actor, Action: audit.ActionNHIFindingAcknowledged, Target: "nhi:" + f.NHIID,
			Details: map[string]any{"finding": f.ID, "rule": f.Rule, "justification": justification, "expires": exp},
		})
		return err
	})
	if err != nil {
		return store.Finding{}, fmt.Errorf("nhi: acknowledge finding %d: %w", findingID, err)
	}
	return out, nil
}
