package access

import (
	"context"
	"fmt"
	"slices"

	"github.com/syncd-dev/syncd/internal/store"
)

// transitions is the grant state machine: pending → active → ending →
// ended (or revoked); pending → failed → pending on a retry; a pending or
// failed grant may also end. Ended and revoked are final. A state may
// stay as it is (its fulfillment or take-back work moves on).
var transitions = map[store.GrantState][]store.GrantState{
	store.GrantPending: {store.GrantPending, store.GrantActive, store.GrantFailed, store.GrantEnding},
	store.GrantActive:  {store.GrantActive, store.GrantEnding},
	store.GrantFailed:  {store.GrantFailed, store.GrantPending, store.GrantEnding},
	store.GrantEnding:  {store.GrantEnding, store.GrantEnded, store.GrantRevoked},
	store.GrantEnded:   {store.GrantEnded},
	store.GrantRevoked: {store.GrantRevoked},
}

// CanTransition reports whether a grant may go from one state to another.
func CanTransition(from, to store.GrantState) bool {
	return slices.Contains(transitions[from], to)
}

// live reports whether a grant counts as held: it justifies the access in
// the target system.
func live(st store.GrantState) bool { return st == store.GrantPending || st == store.GrantActive }

// updateGrant is the one way package access changes a grant: fn sees the
// grant as it is inside the transaction, under its row lock, and what it
// returns must be a legal transition.
func updateGrant(ctx context.Context, tx store.Tx, id string, fn func(store.Grant) (store.Grant, error)) (store.Grant, error) {
	return tx.UpdateGrant(ctx, id, func(old store.Grant) (store.Grant, error) {
		next, err := fn(old)
		if err != nil {
			return old, err
		}
		if !CanTransition(old.State, next.State) {
			return old, fmt.Errorf("access: grant %s cannot go from %s to %s: %w", old.ID, old.State, next.State, ErrStateChanged)
		}
		return next, nil
	})
}
