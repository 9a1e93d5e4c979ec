package review

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// moverCursorPeriod names the bookkeeping row of a mover definition: an
// empty campaign whose generation cursor is the last mover event handled.
// Handling events under that row's lock, in the transaction that opens
// their micro-reviews, makes each event open at most one review.
const moverCursorPeriod = "mover-cursor"

func moverCursorID(def string) string { return "mover-cursor:" + def }

// openMoverReviews opens a micro-review for each new mover event whose
// new job functions no longer justify some of the person's grants.
func (s *Service) openMoverReviews(ctx context.Context) error {
	var errs []error
	for _, name := range s.order {
		d := s.defs[name]
		if d.Kind != store.CampaignMover {
			continue
		}
		if err := s.moverDefinition(ctx, d); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Service) moverDefinition(ctx context.Context, d *Definition) error {
	now := s.now()
	id := moverCursorID(d.Name)
	if _, err := s.Store.GetCampaign(ctx, id); errors.Is(err, store.ErrNotFound) {
		_, err := s.Store.CreateCampaign(ctx, store.Campaign{ID: id, Definition: d.Name, Period: moverCursorPeriod, Kind: store.CampaignMover,
			State: store.CampaignEmpty, Stages: 1, StartedBy: system, StartedAt: now, StageDueAt: now, DueAt: now, ClosedAt: &now})
		if err != nil && !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("review: mover reviews %s: %w", d.Name, err)
		}
	} else if err != nil {
		return fmt.Errorf("review: mover reviews %s: %w", d.Name, err)
	}
	for {
		more := false
		err := s.Store.InTx(ctx, func(tx store.Tx) error {
			_, err := tx.UpdateCampaign(ctx, id, func(c store.Campaign) (store.Campaign, error) {
				var after int64
				if c.GenCursor != "" {
					if _, err := fmt.Sscan(c.GenCursor, &after); err != nil {
						return c, fmt.Errorf("cursor %q: %w", c.GenCursor, err)
					}
				}
				evs, err := tx.ListMoverEventsAfter(ctx, after, 100)
				if err != nil {
					return c, err
				}
				if len(evs) == 0 {
					return c, errNothing
				}
				for _, ev := range evs {
					if now.Sub(ev.OccurredAt) <= d.stageDuration(0) {
						if _, err := s.openMover(ctx, tx, d, ev, now); err != nil {
							return c, err
						}
					}
					c.GenCursor = fmt.Sprint(ev.ID)
				}
				more = len(evs) == 100
				return c, nil
			})
			return err
		})
		if errors.Is(err, errNothing) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("review: mover reviews %s: %w", d.Name, err)
		}
		if !more {
			return nil
		}
	}
}

// unjustifiedByMove returns the person's active grants that rested on a
// job function they held before the move and that their current job
// functions no longer justify.
func (s *Service) unjustifiedByMove(ctx context.Context, tx store.Reader, ev store.MoverEvent) ([]store.Grant, error) {
	grants, err := tx.ListGrants(ctx, store.GrantQuery{HolderID: ev.PersonID, States: []store.GrantState{store.GrantActive}, Limit: store.All})
	if err != nil {
		return nil, err
	}
	jfs, err := tx.ListOpenJobFunctionsOf(ctx, []string{ev.PersonID})
	if err != nil {
		return nil, err
	}
	items := s.items()
	var out []store.Grant
	for _, g := range grants {
		it, ok := items[g.ItemID]
		if !ok || g.HolderNHIID != "" {
			continue
		}
		now, rests := justifiedBy(g, it, jfs[ev.PersonID])
		before, _ := justifiedBy(g, it, ev.Old)
		if rests && len(now) == 0 && len(before) > 0 {
			out = append(out, g)
		}
	}
	return out, nil
}

// openMover opens the micro-review of one mover event, if it has
// anything to review; it runs inside the cursor row's transaction.
func (s *Service) openMover(ctx context.Context, tx store.Tx, d *Definition, ev store.MoverEvent, now time.Time) (store.Campaign, error) {
	grants, err := s.unjustifiedByMove(ctx, tx, ev)
	if err != nil || len(grants) == 0 {
		return store.Campaign{}, err
	}
	params, version, err := d.parameters()
	if err != nil {
		return store.Campaign{}, err
	}
	c, err := tx.CreateCampaign(ctx, store.Campaign{
		Definition: d.Name, DefinitionVersion: version, Parameters: params, Period: fmt.Sprintf("mover:%d", ev.ID),
		Kind: store.CampaignMover, State: store.CampaignActive, Stages: 1, StartedBy: "mover", SubjectID: ev.PersonID,
		MoverEvent: ev.ID, StartedAt: now, StageDueAt: now.Add(d.stageDuration(0)), DueAt: now.Add(d.stageDuration(0)),
	})
	if err != nil {
		return c, err
	}
	items, err := s.grantItems(ctx, tx, d, c, grants, &ev, nil)
	if err != nil {
		return c, err
	}
	if _, err := tx.CreateReviewItems(ctx, items); err != nil {
		return c, err
	}
	c, err = tx.UpdateCampaign(ctx, c.ID, func(c store.Campaign) (store.Campaign, error) {
		c.Generated = len(items)
		for _, it := range items {
			if it.Route == RouteFallbackGroup || it.Route == RouteUnassigned {
				c.Report = appendNote(c.Report, now, it.Route, 0, fmt.Sprintf("%s: no reviewer other than the holder for grant %s", it.Route, it.GrantID))
			}
		}
		return c, nil
	})
	if err != nil {
		return c, err
	}
	_, err = audit.Append(ctx, tx, now, audit.Entry{Actor: system, Action: audit.ActionCampaignStarted, Target: "campaign:" + c.ID,
		Details: map[string]any{"definition": d.Name, "moverEvent": ev.ID, "person": ev.PersonID, "items": len(items)}})
	return c, err
}
