package access

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// SweepResult counts what one sweep did.
type SweepResult struct {
	TimedOut, Escalated, Expired, Noticed, Retried int
	// Imported and ImportEnded count directory-group memberships recorded
	// as grants, and imported grants ended because the membership went.
	Imported, ImportEnded int
	// Birthright and BirthrightEnded count grants given and taken back by
	// job function.
	Birthright, BirthrightEnded int
	Errors                      []error
}

// Sweep applies stage timeouts (deny, or escalate to the fallback once),
// ends grants whose window has passed (taking them back through their
// fulfiller), records pre-expiry notices for holders, imports
// directory-group memberships as grants, and retries failed fulfillments. Safe to run again: every step checks state first.
func (s *Service) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	now := s.now()

	due, err := s.Store.ListRequests(ctx, store.RequestQuery{DueBefore: &now, Limit: 500})
	if err != nil {
		return res, mapErr("sweep", err)
	}
	for _, r := range due {
		escalated, err := s.timeout(ctx, r.ID, now)
		switch {
		case errors.Is(err, ErrStateChanged):
		case err != nil:
			res.Errors = append(res.Errors, err)
		case escalated:
			res.Escalated++
		default:
			res.TimedOut++
		}
	}

	expired, err := s.Store.ListGrants(ctx, store.GrantQuery{EndBefore: &now, Limit: 500})
	if err != nil {
		return res, mapErr("sweep", err)
	}
	for _, g := range expired {
		if _, err := s.end(ctx, g, store.GrantEnded, "system:expiry", "the granted window ended"); err != nil {
			res.Errors = append(res.Errors, err)
			continue
		}
		res.Expired++
	}

	for _, off := range s.NoticeOffsets {
		limit := now.Add(off)
		soon, err := s.Store.ListGrants(ctx, store.GrantQuery{EndBefore: &limit, Limit: 1000})
		if err != nil {
			return res, mapErr("sweep", err)
		}
		for _, g := range soon {
			it, _ := s.item(g.ItemID)
			_, err := s.Store.CreateNotification(ctx, store.Notification{
				PersonID: g.HolderID, Kind: "grant.expiring", Subject: "grant:" + g.ID,
				Message:   fmt.Sprintf("Your access to %s ends %s; request an extension if you still need it", it.Name, g.End.Format("2006-01-02")),
				DedupeKey: fmt.Sprintf("grant:%s:notice:%s", g.ID, off), CreatedAt: now,
			})
			switch {
			case errors.Is(err, store.ErrConflict):
			case err != nil:
				res.Errors = append(res.Errors, err)
			default:
				res.Noticed++
			}
		}
	}

	if err := s.importDirectoryGrants(ctx, &res); err != nil {
		res.Errors = append(res.Errors, err)
	}
	if err := s.reconcileBirthrights(ctx, &res); err != nil {
		res.Errors = append(res.Errors, err)
	}

	failed, err := s.Store.ListGrants(ctx, store.GrantQuery{States: []store.GrantState{store.GrantFailed}, Limit: 100})
	if err != nil {
		return res, mapErr("sweep", err)
	}
	for _, g := range failed {
		if g.End.Before(now) {
			continue
		}
		if _, err := s.Store.UpdateGrant(ctx, g.ID, func(g store.Grant) (store.Grant, error) {
			if g.State != store.GrantFailed {
				return g, ErrStateChanged
			}
			g.State = store.GrantPending
			return g, nil
		}); err != nil {
			continue
		}
		if _, _, err := s.fulfill(ctx, g.ID); err != nil {
			res.Errors = append(res.Errors, err)
		}
		res.Retried++
	}
	return res, nil
}

// timeout handles one request whose stage is overdue: escalate to the
// stage's fallback if it has one and has not escalated yet, else deny.
func (s *Service) timeout(ctx context.Context, requestID string, now time.Time) (escalated bool, err error) {
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		r, err := tx.UpdateRequest(ctx, requestID, func(r store.AccessRequest) (store.AccessRequest, error) {
			if r.State != store.RequestPending || r.StageDue == nil || r.StageDue.After(now) {
				return r, ErrStateChanged
			}
			st := &r.Stages[r.Stage]
			if st.OnTimeout == "escalate" && !st.Escalated && len(st.Fallback) >= max(st.Quorum, 1) {
				st.Approvers, st.Fallback, st.Escalated, st.Approved = st.Fallback, nil, true, nil
				r.StageDue = dueAfter(now, st.Timeout)
				escalated = true
				return r, nil
			}
			r.State, r.StageDue = store.RequestDenied, nil
			return r, nil
		})
		if err != nil {
			return err
		}
		action, details := "request.timed_out", map[string]any{"stage": r.Stages[r.Stage].Name}
		if escalated {
			action = "request.escalated"
			it, _ := s.item(r.ItemID)
			if err := notifyApprovers(ctx, tx, r, it, now); err != nil {
				return err
			}
		}
		_, err = audit.Append(ctx, tx, now, audit.Entry{Actor: "system:deadline", Action: action, Target: "request:" + r.ID, Details: details})
		return err
	})
	return escalated, err
}
