package access

import (
	"context"
	"fmt"
	"slices"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// secretCarrier is implemented by fulfillers that issue a credential the
// requester sees once (api-key).
type secretCarrier interface {
	TakeSecret(grantID string) string
}

// fulfillOutcome fulfills the grant an outcome created, after its
// transaction committed, and returns the outcome with the grant as it now
// stands and any issued secret.
func (s *Service) fulfillOutcome(ctx context.Context, out Outcome) (Outcome, error) {
	if out.Grant == nil {
		return out, nil
	}
	g, secret, err := s.fulfill(ctx, out.Grant.ID)
	if err != nil {
		return out, err
	}
	out.Grant, out.Secret = &g, secret
	return out, nil
}

// fulfill runs the item's fulfiller for a pending grant and records the
// outcome: active when done, still pending when a person must confirm,
// failed (never active) with the error otherwise. It runs outside any
// transaction, since fulfillers talk to other systems.
func (s *Service) fulfill(ctx context.Context, grantID string) (store.Grant, string, error) {
	g, err := s.Store.GetGrant(ctx, grantID)
	if err != nil {
		return store.Grant{}, "", mapErr("fulfill", err)
	}
	it, ok := s.item(g.ItemID)
	if !ok {
		return g, "", fmt.Errorf("access: fulfill %s: item %q left the catalog: %w", g.ID, g.ItemID, ErrNotFound)
	}
	holder, err := s.Store.GetPerson(ctx, g.HolderID)
	if err != nil {
		return g, "", mapErr("fulfill", err)
	}
	kind := it.Fulfillment.Type
	if kind == "" {
		kind = "manual"
	}
	f, ok := s.Fulfillers[kind]
	var (
		ref  string
		done bool
		ferr error
	)
	if !ok {
		ferr = fmt.Errorf("no %s fulfiller is configured", kind)
	} else {
		ref, done, ferr = f.Grant(ctx, g, it, holder)
	}
	secret := ""
	if sc, ok := f.(secretCarrier); ok && ferr == nil {
		secret = sc.TakeSecret(g.ID)
	}
	now := s.now()
	var updated store.Grant
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		updated, err = tx.UpdateGrant(ctx, g.ID, func(g store.Grant) (store.Grant, error) {
			switch {
			case ferr != nil:
				g.State, g.FulfillmentStatus, g.FulfillmentError = store.GrantFailed, "failed", ferr.Error()
			case done:
				g.State, g.FulfillmentStatus, g.FulfillmentError, g.FulfillmentRef = store.GrantActive, "done", "", ref
			default:
				g.State, g.FulfillmentStatus, g.FulfillmentError, g.FulfillmentRef = store.GrantPending, "awaiting-confirmation", "", ref
			}
			return g, nil
		})
		if err != nil {
			return err
		}
		details := map[string]any{"fulfillment": kind, "status": updated.FulfillmentStatus, "ref": ref}
		if ferr != nil {
			details["error"] = ferr.Error()
		}
		if !done && ferr == nil {
			if _, err := tx.CreateNotification(ctx, store.Notification{
				PersonID: it.OwnerID, Kind: "fulfillment.confirm", Subject: "grant:" + g.ID,
				Message:   fmt.Sprintf("Grant %s to %s and confirm it is done", it.Name, personName(holder)),
				DedupeKey: "grant:" + g.ID + ":confirm", CreatedAt: now,
			}); err != nil && it.OwnerID != "" {
				return err
			}
		}
		_, err = audit.Append(ctx, tx, now, audit.Entry{Actor: "fulfillment:" + kind, Action: "grant.fulfillment", Target: "grant:" + g.ID, Details: details})
		return err
	})
	if err != nil {
		return g, "", mapErr("fulfill", err)
	}
	return updated, secret, nil
}

// ConfirmFulfillment marks a manually fulfilled grant done. Only the item
// owner (or an admin) confirms, and never for a grant they hold.
func (s *Service) ConfirmFulfillment(ctx context.Context, actorID, grantID string, admin bool) (store.Grant, error) {
	now := s.now()
	var out store.Grant
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.UpdateGrant(ctx, grantID, func(g store.Grant) (store.Grant, error) {
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
		_, err = audit.Append(ctx, tx, now, audit.Entry{Actor: "person:" + actorID, Action: "grant.fulfillment_confirmed", Target: "grant:" + grantID})
		return err
	})
	return out, mapErrNil("confirm", err)
}

// Revoke ends a grant early with a reason and takes it back in the target
// system. The item owner, an admin (admin) or a review may revoke.
func (s *Service) Revoke(ctx context.Context, actor, grantID, reason string, admin bool) (store.Grant, error) {
	g, err := s.Store.GetGrant(ctx, grantID)
	if err != nil {
		return store.Grant{}, mapErr("revoke", err)
	}
	it, _ := s.item(g.ItemID)
	if !admin && "person:"+it.OwnerID != actor {
		return store.Grant{}, fmt.Errorf("access: only the item owner or an admin revokes: %w", ErrForbidden)
	}
	if reason == "" {
		return store.Grant{}, fmt.Errorf("access: a revocation needs a reason: %w", ErrInvalid)
	}
	return s.end(ctx, g, store.GrantRevoked, actor, reason)
}

// end takes a grant back through its fulfiller and records why. A grant
// whose take-back fails stays as it was, with the error, for a retry.
func (s *Service) end(ctx context.Context, g store.Grant, state store.GrantState, actor, reason string) (store.Grant, error) {
	if !slices.Contains([]store.GrantState{store.GrantActive, store.GrantPending, store.GrantFailed}, g.State) {
		return g, fmt.Errorf("access: grant %s is already %s: %w", g.ID, g.State, ErrStateChanged)
	}
	it, _ := s.item(g.ItemID)
	kind := it.Fulfillment.Type
	if kind == "" {
		kind = "manual"
	}
	var rerr error
	if g.FulfillmentStatus == "done" {
		if f, ok := s.Fulfillers[kind]; ok {
			holder, err := s.Store.GetPerson(ctx, g.HolderID)
			if err != nil {
				return g, mapErr("end", err)
			}
			rerr = f.Revoke(ctx, g, it, holder)
		}
	}
	now := s.now()
	var out store.Grant
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.UpdateGrant(ctx, g.ID, func(g store.Grant) (store.Grant, error) {
			if rerr != nil {
				g.FulfillmentError = "revoke: " + rerr.Error()
				return g, nil
			}
			g.State, g.EndedAt, g.EndedBy, g.EndReason = state, &now, actor, reason
			g.FulfillmentStatus = "removed"
			return g, nil
		})
		if err != nil {
			return err
		}
		details := map[string]any{"reason": reason, "item": g.ItemID, "holder": g.HolderID}
		action := "grant." + string(state)
		if rerr != nil {
			action, details["error"] = "grant.revoke_failed", rerr.Error()
		}
		_, err = audit.Append(ctx, tx, now, audit.Entry{Actor: actor, Action: action, Target: "grant:" + g.ID, Details: details})
		return err
	})
	if err != nil {
		return g, mapErr("end", err)
	}
	if rerr != nil {
		return out, fmt.Errorf("access: take back grant %s: %w", g.ID, rerr)
	}
	return out, nil
}

func personName(p store.Person) string {
	if p.DisplayName != "" {
		return p.DisplayName
	}
	return p.UserName
}
