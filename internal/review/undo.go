package review

import (
	"context"
	"fmt"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// Undo takes the decision on an item back to undecided while the item's
// stage is open: the same reviewers who may decide it may undo it. A
// decision that is final (its stage closed, or a revocation already
// handed to remediation) stays. The decision history keeps the undone
// decision; the undo itself is an audit event.
func (s *Service) Undo(ctx context.Context, actor Actor, itemID int64) (store.ReviewItem, error) {
	var out store.ReviewItem
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		it, err := tx.GetReviewItem(ctx, itemID)
		if err != nil {
			return err
		}
		c, err := tx.GetCampaign(ctx, it.CampaignID)
		if err != nil {
			return err
		}
		var undone store.ReviewItem
		out, err = tx.UpdateReviewItem(ctx, itemID, func(it store.ReviewItem) (store.ReviewItem, error) {
			undone = it
			if err := checkUndo(c, it, actor); err != nil {
				return it, err
			}
			it.Decision, it.Justification, it.DecidedBy, it.DecidedIssuer, it.DecidedSubject = "", "", "", "", ""
			it.DecidedAt, it.Defaulted, it.State = nil, false, store.ItemPending
			if it.Escalated {
				it.State = store.ItemEscalated
			}
			return it, nil
		})
		if err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, s.now(), audit.Entry{Actor: actor.audit(), Action: audit.ActionReviewUndone, Target: fmt.Sprintf("review-item:%d", itemID),
			Details: map[string]any{"campaign": c.ID, "undone": undone.Decision, "decidedBy": undone.DecidedBy,
				"issuer": actor.Issuer, "subject": actor.Subject}})
		return err
	})
	if err != nil {
		return store.ReviewItem{}, fmt.Errorf("review: undo item %d: %w", itemID, mapErr(err))
	}
	return out, nil
}

// checkUndo is the guard of the decided → undecided transition.
func checkUndo(c store.Campaign, it store.ReviewItem, actor Actor) error {
	if err := checkItemActor(c, it, actor); err != nil {
		return err
	}
	if it.State != store.ItemDecided || it.Decision == "" {
		return fmt.Errorf("%w: the item has no decision to undo", ErrInvalid)
	}
	return nil
}
