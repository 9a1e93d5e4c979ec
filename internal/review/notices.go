package review

import (
	"context"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// notifyAssigned tells each reviewer of an active campaign's current
// stage how many items wait for them: one notice per reviewer (not per
// item), in the transaction that activates the campaign; internal/notify
// delivers it.
func notifyAssigned(ctx context.Context, tx store.Tx, c store.Campaign, now time.Time) error {
	if c.State != store.CampaignActive {
		return nil
	}
	loads, err := tx.ListReviewerLoads(ctx, c.ID, c.Stage)
	if err != nil {
		return fmt.Errorf("review: notify reviewers of %s: %w", c.ID, err)
	}
	for _, l := range loads {
		msg := fmt.Sprintf("Campaign %s: %d item(s) wait for your decision; the stage closes %s", c.Definition, l.Pending, c.StageDueAt.UTC().Format("2006-01-02 15:04 UTC"))
		if err := notify(ctx, tx, l.ReviewerID, "review.assigned", "campaign:"+c.ID, msg,
			fmt.Sprintf("review:assigned:%s:%d:%s", c.ID, c.Stage, l.ReviewerID), now); err != nil {
			return err
		}
	}
	return nil
}

// notifyEscalated tells the reviewers an unanswered item was escalated
// to, in the transaction that escalates it. The notices of one campaign
// share a subject, so a reviewer gets one digest for all of them.
func notifyEscalated(ctx context.Context, tx store.Tx, c store.Campaign, to []string, it store.ReviewItem, now time.Time) error {
	what, who := it.Snapshot.ItemName, it.Snapshot.HolderName
	if what == "" {
		what = it.ItemID + it.NHIID
	}
	if who == "" {
		who = it.HolderID
	}
	for _, p := range to {
		msg := fmt.Sprintf("Campaign %s: %s held by %s was escalated to you; the stage closes %s", c.Definition, what, who, c.StageDueAt.UTC().Format("2006-01-02 15:04 UTC"))
		if err := notify(ctx, tx, p, "review.escalated", "campaign:"+c.ID, msg, fmt.Sprintf("review:escalated:%d:%s", it.ID, p), now); err != nil {
			return err
		}
	}
	return nil
}
