package nhi

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// notifyTasks tells each assignee of new re-ownership tasks, in the
// transaction that opens them (internal/notify delivers the notices, one
// digest per assignee and day however many tasks). A task assigned to a
// team (the fallback route) notifies the team's active members: the
// directory group of that name, like every notice one per person.
func notifyTasks(ctx context.Context, tx store.Tx, tasks []store.ReownershipTask, now time.Time) error {
	members := map[string][]string{} // team → active member ids
	for _, k := range tasks {
		name := k.NHIID
		if n, err := tx.GetNHI(ctx, k.NHIID); err == nil && n.Name != "" {
			name = n.Name
		}
		msg := fmt.Sprintf("%s needs a new owner by %s: accept ownership or name someone", name, k.Deadline.UTC().Format("2006-01-02"))
		if k.AssigneeID != "" {
			if err := notice(ctx, tx, store.Notification{PersonID: k.AssigneeID, Kind: "nhi.reownership", Subject: "nhi-tasks",
				Message: msg, DedupeKey: fmt.Sprintf("nhi-task:%d:assigned", k.ID), CreatedAt: now}); err != nil {
				return err
			}
			continue
		}
		if k.AssigneeTeam == "" {
			continue
		}
		ids, ok := members[k.AssigneeTeam]
		if !ok {
			var err error
			if ids, err = teamMembers(ctx, tx, k.AssigneeTeam); err != nil {
				return err
			}
			members[k.AssigneeTeam] = ids
		}
		for _, id := range ids {
			if err := notice(ctx, tx, store.Notification{PersonID: id, Kind: "nhi.reownership", Subject: TeamTasksSubject(k.AssigneeTeam),
				Message:   msg + " (assigned to your team " + k.AssigneeTeam + ")",
				DedupeKey: fmt.Sprintf("nhi-task:%d:assigned:%s", k.ID, id), CreatedAt: now}); err != nil {
				return err
			}
		}
	}
	return nil
}

// TeamTasksSubject is the notification subject of a team's re-ownership
// tasks: "nhi-tasks:team:<team>".
func TeamTasksSubject(team string) string { return "nhi-tasks:team:" + team }

func notice(ctx context.Context, tx store.Tx, n store.Notification) error {
	if _, err := tx.CreateNotification(ctx, n); err != nil && !errors.Is(err, store.ErrConflict) {
		return err
	}
	return nil
}

// Teams returns the names of the teams personID belongs to: the display
// names of the directory groups (any source) they are in. A task assigned
// to one of these teams is theirs to act on (see AcceptTask).
func Teams(ctx context.Context, r store.GroupReader, personID string) ([]string, error) {
	gs, err := r.ListPersonGroups(ctx, personID, "")
	if err != nil {
		return nil, fmt.Errorf("nhi: teams of %s: %w", personID, err)
	}
	out := make([]string, 0, len(gs))
	for _, g := range gs {
		if g.DisplayName != "" && !slices.Contains(out, g.DisplayName) {
			out = append(out, g.DisplayName)
		}
	}
	return out, nil
}

// inTeam reports whether personID is in a directory group named team
// (any source, case-insensitively, as teamMembers reads it).
func inTeam(ctx context.Context, tx store.Tx, team, personID string) (bool, error) {
	gs, err := tx.ListGroups(ctx, store.GroupQuery{DisplayName: team, Limit: store.All})
	if err != nil || len(gs) == 0 {
		return false, err
	}
	mine, err := tx.ListPersonGroups(ctx, personID, "")
	if err != nil {
		return false, err
	}
	for _, g := range gs {
		if slices.ContainsFunc(mine, func(m store.Group) bool { return m.ID == g.ID }) {
			return true, nil
		}
	}
	return false, nil
}

// teamMembers returns the active members of the directory groups named
// team (any source, case-insensitively), each once, in order.
func teamMembers(ctx context.Context, tx store.Tx, team string) ([]string, error) {
	gs, err := tx.ListGroups(ctx, store.GroupQuery{DisplayName: team, Limit: 100})
	if err != nil {
		return nil, fmt.Errorf("nhi: team %q: %w", team, err)
	}
	seen := map[string]bool{}
	var out []string
	for _, g := range gs {
		ids, err := tx.ListGroupMembers(ctx, g.ID)
		if err != nil {
			return nil, fmt.Errorf("nhi: members of team %q: %w", team, err)
		}
		slices.Sort(ids)
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			p, err := tx.GetPerson(ctx, id)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if p.Status == store.StatusActive {
				out = append(out, id)
			}
		}
	}
	return out, nil
}
