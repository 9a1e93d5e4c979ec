package access

import (
	"context"
	"fmt"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// ConfirmFulfillment marks a manually fulfilled grant done. Only the item
// owner (or an admin) confirms, and never for a grant they hold.
func (s *Service) ConfirmFulfillment(ctx context.Context, actorID, grantID string, admin bool) (store.Grant, error) {
	now := s.now()
	var out store.Grant
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		out, err = updateGrant(ctx, tx, grantID, func(g store.Grant) (store.Grant, error) {
			it, ok := s.item(g.ItemID)
			switch {
			case !ok:
				return g, fmt.Errorf("access: item %q: %w", g.ItemID, ErrNotFound)
			case g.HolderID == actorID:
				return g, fmt.Errorf("access: nobody confirms their own grant: %w", ErrForbidden)
			case !admin && it.OwnerID != actorID:
				return g, fmt.Errorf("access: only the owner of %s confirms its fulfillment: %w", it.ID, ErrForbidden)
			case g.State != store.GrantPending || g.FulfillmentStatus != "awaiting-confirmation":
				return g, fmt.Errorf("access: grant %s is not awaiting confirmation: %w", g.ID, ErrStateChanged)
			}
			g.State, g.FulfillmentStatus = store.GrantActive, "done"
			return g, nil
		})
		if err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, now, audit.Entry{Actor: "person:" + actorID, Action: audit.ActionGrantFulfillmentConfirmed, Target: "grant:" + grantID})
		return err
	})
	return out, mapErrNil("confirm", err)
}

// RevokeAs ends a grant early with a reason on behalf of actor: the item
// owner or an admin (admin) may.
func (s *Service) RevokeAs(ctx context.Context, actor, grantID, reason string, admin bool) (store.Grant, error) {
	g, err := s.Store.GetGrant(ctx, grantID)
	if err != nil {
		return store.Grant{}, mapErr("revoke", err)
	}
	it, _ := s.item(g.ItemID)
	if !admin && "person:"+it.OwnerID != actor {
		return store.Grant{}, fmt.Errorf("access: only the item owner or an admin revokes: %w", ErrForbidden)
	}
	return s.Revoke(ctx, grantID, actor, reason)
}

// Revoke ends a live grant through the take-back and records who (by, an
// actor such as "person:<id>" or "campaign:<id>") and why. The grant is
// ending at once (it no longer counts as held); the worker removes the
// access and moves it to revoked. Callers decide who may revoke: a
// campaign's decision, the item owner, an admin. Read the take-back's
// progress with TakeBackOf.
func (s *Service) Revoke(ctx context.Context, grantID, by, reason string) (store.Grant, error) {
	if reason == "" {
		return store.Grant{}, fmt.Errorf("access: a revocation needs a reason: %w", ErrInvalid)
	}
	return s.endGrant(ctx, grantID, store.GrantRevoked, by, reason)
}

// Relinquish: the holder gives up a grant they hold (for a grant held by
// an NHI, its owner), through the same take-back.
func (s *Service) Relinquish(ctx context.Context, personID, grantID, reason string) (store.Grant, error) {
	g, err := s.Store.GetGrant(ctx, grantID)
	if err != nil {
		return store.Grant{}, mapErr("relinquish", err)
	}
	if g.HolderID != personID {
		return store.Grant{}, fmt.Errorf("access: grant %s: %w", grantID, ErrNotFound)
	}
	if reason == "" {
		reason = "given up by its holder"
	}
	return s.endGrant(ctx, grantID, store.GrantEnded, "person:"+personID, reason)
}

// TakeBackOf returns the state of a grant's take-back: requested, done or
// failed (still retried), when, through which adapter and with what error.
func (s *Service) TakeBackOf(ctx context.Context, grantID string) (store.TakeBack, error) {
	g, err := s.Store.GetGrant(ctx, grantID)
	if err != nil {
		return store.TakeBack{}, mapErr("take-back", err)
	}
	return g.TakeBack, nil
}

// endGrant moves a live (or failed) grant to ending with its take-back
// recorded as work in the same transaction, then kicks the worker.
func (s *Service) endGrant(ctx context.Context, grantID string, final store.GrantState, actor, reason string) (store.Grant, error) {
	var out store.Grant
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		out, err = s.requestEnd(ctx, tx, grantID, final, actor, reason)
		return err
	})
	if err != nil {
		return out, mapErr("end", err)
	}
	s.Kick()
	return out, nil
}

// requestEnd ends a grant inside tx: to ending with its take-back due
// when something may have been carried out, straight to its final state
// when nothing was.
func (s *Service) requestEnd(ctx context.Context, tx store.Tx, grantID string, final store.GrantState, actor, reason string) (store.Grant, error) {
	now := s.now()
	direct := false
	out, err := updateGrant(ctx, tx, grantID, func(g store.Grant) (store.Grant, error) {
		if !live(g.State) && g.State != store.GrantFailed {
			return g, fmt.Errorf("access: grant %s is already %s: %w", g.ID, g.State, ErrStateChanged)
		}
		it, _ := s.item(g.ItemID)
		leased := g.Work.LeaseUntil != nil && g.Work.LeaseUntil.After(now)
		direct = g.FulfillmentStatus != "done" && g.Work.Attempts == 0 && !leased
		g.State, g.EndedAt, g.EndedBy, g.EndReason = store.GrantEnding, &now, actor, reason
		g.Work.EndState = final
		g.TakeBack = store.TakeBack{State: "requested", Adapter: fulfillmentKind(it), RequestedAt: &now}
		g.Work.DueAt = &now
		return g, nil
	})
	if err != nil {
		return out, err
	}
	entries := []audit.Entry{{Actor: actor, Action: "grant." + string(final), Target: "grant:" + out.ID,
		Details: map[string]any{"reason": reason, "item": out.ItemID, "holder": out.HolderID}}}
	if direct {
		out, err = updateGrant(ctx, tx, grantID, func(g store.Grant) (store.Grant, error) {
			g.State, g.Work.DueAt = final, nil
			g.TakeBack.State, g.TakeBack.DoneAt, g.FulfillmentStatus = "done", &now, "removed"
			return g, nil
		})
		if err != nil {
			return out, err
		}
	}
	_, err = audit.AppendAll(ctx, tx, now, entries...)
	return out, err
}
