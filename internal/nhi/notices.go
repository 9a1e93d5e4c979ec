package nhi

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// notifyTasks tells each assignee of new re-ownership tasks, in the
// transaction that opens them (internal/notify delivers the notices, one
// digest per assignee and day however many tasks).
func notifyTasks(ctx context.Context, tx store.Tx, tasks []store.ReownershipTask, now time.Time) error {
	for _, k := range tasks {
		if k.AssigneeID == "" {
			continue // a team's task: the team's own channel, not a person
		}
		name := k.NHIID
		if n, err := tx.GetNHI(ctx, k.NHIID); err == nil && n.Name != "" {
			name = n.Name
		}
		_, err := tx.CreateNotification(ctx, store.Notification{
			PersonID: k.AssigneeID, Kind: "nhi.reownership", Subject: "nhi-tasks",
			Message:   fmt.Sprintf("%s needs a new owner by %s: accept ownership or name someone", name, k.Deadline.UTC().Format("2006-01-02")),
			DedupeKey: fmt.Sprintf("nhi-task:%d:assigned", k.ID), CreatedAt: now,
		})
		if err != nil && !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return nil
}
