package access

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
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
		if _, err := s.endGrant(ctx, g.ID, store.GrantEnded, "system:expiry", "the granted window ended"); err != nil {
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

	if err := s.reresolveApprovers(ctx, now, &res); err != nil {
		res.Errors = append(res.Errors, err)
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
		if _, err := s.Retry(ctx, g.ID, "system:sweep"); err != nil && !errors.Is(err, ErrStateChanged) {
			res.Errors = append(res.Errors, err)
			continue
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
			escalated = applyTimeout(&r, now)
			return r, nil
		})
		if err != nil {
			return err
		}
		action, details := audit.ActionRequestTimedOut, map[string]any{"stage": r.Stages[r.Stage].Name}
		if escalated {
			action = audit.ActionRequestEscalated
			it, _ := s.item(r.ItemID)
			if err := notifyApprovers(ctx, tx, r, it, now); err != nil {
				return err
			}
		}
		if err := notifyDecided(ctx, tx, r, now, s.item); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, now, audit.Entry{Actor: "system:deadline", Action: action, Target: "request:" + r.ID, Details: details})
		return err
	})
	return escalated, err
}

// Retry moves a failed grant back to pending with its fulfillment due now
// and a fresh count of attempts (failed → pending).
func (s *Service) Retry(ctx context.Context, grantID, actor string) (store.Grant, error) {
	now := s.now()
	var out store.Grant
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		out, err = updateGrant(ctx, tx, grantID, func(g store.Grant) (store.Grant, error) {
			if g.State != store.GrantFailed {
				return g, fmt.Errorf("access: grant %s is %s, not failed: %w", g.ID, g.State, ErrStateChanged)
			}
			if strings.HasPrefix(g.FulfillmentError, "re-check: ") {
				return g, fmt.Errorf("access: grant %s was refused on re-check (%s): %w", g.ID, g.FulfillmentError, ErrStateChanged)
			}
			g.State, g.FulfillmentStatus = store.GrantPending, "pending"
			g.Work.DueAt, g.Work.Attempts = &now, 0
			return g, nil
		})
		if err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, now, audit.Entry{Actor: actor, Action: audit.ActionGrantRetried, Target: "grant:" + grantID})
		return err
	})
	if err != nil {
		return out, mapErr("retry", err)
	}
	s.Kick()
	return out, nil
}

// reresolveApprovers follows people leaving or being disabled: a pending
// request's stages drop approvers who are no longer active, escalate to
// the fallback when too few remain, and deny (saying why) when nobody
// does.
func (s *Service) reresolveApprovers(ctx context.Context, now time.Time, res *SweepResult) error {
	pending, err := s.Store.ListRequests(ctx, store.RequestQuery{State: store.RequestPending, Limit: 10000})
	if err != nil {
		return mapErr("re-resolve approvers", err)
	}
	for _, p := range pending {
		err := s.Store.InTx(ctx, func(tx store.Tx) error {
			var why string
			var entries []audit.Entry
			r, err := tx.UpdateRequest(ctx, p.ID, func(r store.AccessRequest) (store.AccessRequest, error) {
				if r.State != store.RequestPending {
					return r, ErrStateChanged
				}
				before := slices.Clone(r.Stages[r.Stage].Approvers)
				wasEscalated := r.Stages[r.Stage].Escalated
				if why, err = activeApprovers(ctx, tx, &r); err != nil {
					return r, err
				}
				if why != "" {
					r.State, r.StageDue, r.StateReason = store.RequestDenied, nil, why
					entries = append(entries, audit.Entry{Actor: "system:approvers", Action: audit.ActionRequestDenied, Target: "request:" + r.ID,
						Details: map[string]any{"reason": why}})
					return r, nil
				}
				if slices.Equal(before, r.Stages[r.Stage].Approvers) {
					return r, ErrStateChanged // nothing changed
				}
				if r.Stages[r.Stage].Escalated && !wasEscalated {
					r.StageDue = dueAfter(now, r.Stages[r.Stage].Timeout)
					res.Escalated++
				}
				entries = append(entries, audit.Entry{Actor: "system:approvers", Action: audit.ActionRequestApproversChanged, Target: "request:" + r.ID,
					Details: map[string]any{"stage": r.Stages[r.Stage].Name, "approvers": r.Stages[r.Stage].Approvers}})
				return r, nil
			})
			if err != nil {
				return err
			}
			if r.State == store.RequestPending {
				it, _ := s.item(r.ItemID)
				if err := notifyApprovers(ctx, tx, r, it, now); err != nil {
					return err
				}
			}
			_, err = audit.AppendAll(ctx, tx, now, entries...)
			return err
		})
		if err != nil && !errors.Is(err, ErrStateChanged) {
			res.Errors = append(res.Errors, err)
		}
	}
	return nil
}
