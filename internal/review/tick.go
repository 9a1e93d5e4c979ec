package review

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// Tick does the campaign work that is due, each step exactly once across
// processes through the database: it starts scheduled campaigns (one per
// definition and period), opens mover micro-reviews, continues
// generation, escalates unanswered items, sends reminders, applies
// deadlines, carries out take-backs, watches pushed NHIs for a source
// that pushes them again, and escalates take-backs that failed or stayed
// unverified. The job runner calls it on an interval; every step
// is safe to repeat.
func (s *Service) Tick(ctx context.Context) error {
	var errs []error
	if err := s.startDue(ctx); err != nil {
		errs = append(errs, err)
	}
	if err := s.openMoverReviews(ctx); err != nil {
		errs = append(errs, err)
	}
	gen, err := s.Store.ListCampaigns(ctx, store.CampaignQuery{States: []store.CampaignState{store.CampaignGenerating}, Limit: store.All})
	if err != nil {
		return fmt.Errorf("review: tick: %w", err)
	}
	for _, c := range gen {
		if _, err := s.Generate(ctx, c.ID, nil); err != nil {
			errs = append(errs, err)
		}
	}
	active, err := s.Store.ListCampaigns(ctx, store.CampaignQuery{States: []store.CampaignState{store.CampaignActive}, Limit: store.All})
	if err != nil {
		return fmt.Errorf("review: tick: %w", err)
	}
	now := s.now()
	for _, c := range active {
		d, err := s.definition(c.Definition)
		if err != nil {
			continue // a definition removed from the configuration: its campaigns wait for `campaign close`
		}
		if err := s.escalateUnanswered(ctx, d, c, now); err != nil {
			errs = append(errs, err)
		}
		if err := s.remind(ctx, d, c, now); err != nil {
			errs = append(errs, err)
		}
		if !now.Before(c.StageDueAt) {
			if _, err := s.closeStage(ctx, c.ID, system, false); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if _, err := s.remediatePending(ctx); err != nil {
		errs = append(errs, err)
	}
	if _, err := s.verifyPushed(ctx); err != nil {
		errs = append(errs, err)
	}
	if _, err := s.escalateRemediation(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// startDue starts the campaign of each definition's current scheduled
// period unless it exists: the unique (definition, period) key makes a
// second replica's attempt a no-op.
func (s *Service) startDue(ctx context.Context) error {
	now := s.now()
	var errs []error
	for _, name := range s.order {
		d := s.defs[name]
		if d.Kind == store.CampaignMover {
			continue
		}
		slot, ok := d.dueSlot(now)
		if !ok {
			continue
		}
		period := slot.Format(time.RFC3339)
		_, err := s.create(ctx, d, "", period, "schedule", now)
		if err != nil && !errors.Is(err, store.ErrConflict) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// remind notifies, at each reminder offset before the stage deadline,
// the reviewers who still have undecided items, once per offset.
func (s *Service) remind(ctx context.Context, d *Definition, c store.Campaign, now time.Time) error {
	var due []time.Duration
	for _, off := range d.Reminders {
		if !now.Before(c.StageDueAt.Add(-off)) && now.Before(c.StageDueAt) {
			due = append(due, off)
		}
	}
	if len(due) == 0 {
		return nil
	}
	loads, err := s.Store.ListReviewerLoads(ctx, c.ID, c.Stage)
	if err != nil {
		return fmt.Errorf("review: remind %s: %w", c.ID, err)
	}
	return s.Store.InTx(ctx, func(tx store.Tx) error {
		for _, off := range due {
			for _, l := range loads {
				if l.Pending == 0 {
					continue
				}
				msg := fmt.Sprintf("Campaign %s: %d item(s) wait for your decision; the stage closes %s", c.Definition, l.Pending, c.StageDueAt.Format("2006-01-02 15:04 UTC"))
				key := fmt.Sprintf("review:remind:%s:%d:%s:%s", c.ID, c.Stage, off, l.ReviewerID)
				if err := notify(ctx, tx, l.ReviewerID, "review.reminder", "campaign:"+c.ID, msg, key, now); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// escalateUnanswered adds (or substitutes) the escalation reviewers on
// undecided items once the stage has run for Escalation.After; each item
// is escalated once (its Escalated flag).
func (s *Service) escalateUnanswered(ctx context.Context, d *Definition, c store.Campaign, now time.Time) error {
	if d.Escalation.After <= 0 || len(d.Escalation.To) == 0 {
		return nil
	}
	stageStart := c.StageDueAt.Add(-d.stageDuration(c.Stage))
	if now.Before(stageStart.Add(d.Escalation.After)) {
		return nil
	}
	stage := c.Stage
	empty := ""
	var after int64
	for {
		page, err := s.Store.ListReviewItems(ctx, store.ReviewItemQuery{CampaignID: c.ID, Stage: &stage, Decision: &empty, AfterID: after, Limit: 500,
			States: []store.ReviewItemState{store.ItemPending}})
		if err != nil {
			return fmt.Errorf("review: escalate %s: %w", c.ID, err)
		}
		if len(page) == 0 {
			return nil
		}
		after = page[len(page)-1].ID
		err = s.Store.InTx(ctx, func(tx store.Tx) error {
			dir := newPeople(ctx, tx, s.catalog().ApproverGroups)
			for _, it := range page {
				if it.Escalated {
					continue
				}
				sub, err := s.subjectOf(ctx, tx, dir, it)
				if err != nil {
					return err
				}
				extra, _ := resolveReviewers(dir, d.Escalation.To, nil, "", sub)
				if len(extra) == 0 {
					continue
				}
				_, err = tx.UpdateReviewItem(ctx, it.ID, func(cur store.ReviewItem) (store.ReviewItem, error) {
					if cur.Escalated || cur.Decision != "" || cur.Stage != stage {
						return cur, nil
					}
					ids := extra
					if d.Escalation.Mode != "replace" {
						ids = append(slices.Clone(cur.ReviewerIDs), extra...)
						slices.Sort(ids)
						ids = slices.Compact(ids)
					}
					cur.ReviewerIDs, cur.Escalated = eligibleReviewers(dir, ids, cur.HolderID), true
					if len(cur.ReviewerIDs) == 0 {
						cur.ReviewerIDs = it.ReviewerIDs
					}
					return cur, nil
				})
				if err != nil {
					return err
				}
				if err := notifyEscalated(ctx, tx, c, eligibleReviewers(dir, extra, it.HolderID), it, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("review: escalate %s: %w", c.ID, err)
		}
	}
}
