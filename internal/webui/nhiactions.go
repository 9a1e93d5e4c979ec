package webui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// errInvalid marks a request the user can fix; its message is shown.
var errInvalid = errors.New("invalid")

// reassign makes newOwner the owner of NHI id, with its audit event, in
// one transaction. The new owner must be an active person.
func reassign(ctx context.Context, st store.TxRunner, now time.Time, actorID, id, newOwner, reason string) error {
	return st.InTx(ctx, func(tx store.Tx) error {
		owner, err := tx.GetPerson(ctx, newOwner)
		if err != nil {
			return err
		}
		if owner.Status != store.StatusActive {
			return fmt.Errorf("%w: %s is %s; only an active person can own an identity", errInvalid, owner.UserName, owner.Status)
		}
		var from string
		n, err := tx.UpdateNHI(ctx, id, func(n store.NHI) (store.NHI, error) {
			if n.OwnerID == owner.ID {
				return n, fmt.Errorf("%w: %s already owns it", errInvalid, owner.UserName)
			}
			from = n.OwnerID
			if from == "" {
				from = n.OwnerRef
			}
			n.OwnerID, n.OwnerRef = owner.ID, owner.Email
			return n, nil
		})
		if err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, now, audit.Entry{
			Actor: "person:" + actorID, Action: audit.ActionNHIOwnerReassigned, Target: "nhi:" + n.ID,
			Details: map[string]string{"from": from, "to": owner.ID, "reason": reason},
		})
		return err
	})
}

// extendProject moves the project's end date to end (which must be in the
// future and later than today's), reopening it if it was closed.
func extendProject(ctx context.Context, st store.TxRunner, now time.Time, actorID, projectID string, end time.Time, reason string) error {
	if !end.After(now) {
		return fmt.Errorf("%w: the new end date must be in the future", errInvalid)
	}
	return st.InTx(ctx, func(tx store.Tx) error {
		var from string
		_, err := tx.UpdateProject(ctx, projectID, func(p store.Project) (store.Project, error) {
			if p.EndDate != nil {
				if !end.After(*p.EndDate) {
					return p, fmt.Errorf("%w: the project already ends on %s", errInvalid, p.EndDate.Format("2006-01-02"))
				}
				from = p.EndDate.UTC().Format("2006-01-02")
			}
			p.EndDate, p.Status = &end, store.ProjectActive
			return p, nil
		})
		if err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, now, audit.Entry{
			Actor: "person:" + actorID, Action: audit.ActionProjectExtended, Target: "project:" + projectID,
			Details: map[string]string{"from": from, "to": end.Format("2006-01-02"), "reason": reason},
		})
		return err
	})
}
