package review

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// Decision is what a reviewer decides on one item.
type Decision struct {
	Decision      string // certify | revoke | reassign
	Justification string
	ReassignTo    string // reassign: a person (id, userName or email)
}

// Decide records actor's decision on an item of the current stage. The
// actor must be one of the item's reviewers and never its holder; revoke,
// certifying a high or critical item and reassigning need a
// justification. A decision may change until the stage closes.
func (s *Service) Decide(ctx context.Context, actor Actor, itemID int64, dec Decision) (store.ReviewItem, error) {
	var out store.ReviewItem
	var remediateNow bool
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		it, err := tx.GetReviewItem(ctx, itemID)
		if err != nil {
			return err
		}
		c, err := tx.GetCampaign(ctx, it.CampaignID)
		if err != nil {
			return err
		}
		d, err := s.definition(c.Definition)
		if err != nil {
			return err
		}
		var to string
		if dec.Decision == store.DecisionReassign {
			dir := newPeople(ctx, tx, s.catalog().ApproverGroups)
			to = dir.ref(dec.ReassignTo)
			if to == "" {
				return fmt.Errorf("%w: reassignTo %q is nobody known", ErrInvalid, dec.ReassignTo)
			}
			if ids := eligibleReviewers(dir, []string{to}, it.HolderID); len(ids) == 0 {
				return fmt.Errorf("%w: %q may not review this item (the holder, or not active)", ErrForbidden, dec.ReassignTo)
			}
		}
		now := s.now()
		var shown store.ReviewItem
		out, err = tx.UpdateReviewItem(ctx, itemID, func(it store.ReviewItem) (store.ReviewItem, error) {
			shown = it
			if err := checkDecision(c, it, actor, dec); err != nil {
				return it, err
			}
			switch dec.Decision {
			case store.DecisionReassign:
				it.ReviewerIDs, it.Route, it.Reassigned = []string{to}, "reassigned", it.Reassigned+1
				it.State, it.Decision, it.Justification, it.DecidedBy, it.DecidedIssuer, it.DecidedSubject, it.DecidedAt, it.Defaulted = store.ItemPending, "", "", "", "", "", nil, false
			default:
				it.Decision, it.Justification, it.DecidedBy, it.DecidedIssuer, it.DecidedSubject = dec.Decision, dec.Justification, actor.PersonID, actor.Issuer, actor.Subject
				it.DecidedAt, it.Defaulted, it.State = &now, false, store.ItemDecided
				if dec.Decision == store.DecisionRevoke && d.remediate() == RemediateImmediately {
					it.State = store.ItemFinal
					it.Remediation = requestRemediation(s, it, now)
					remediateNow = true
				}
			}
			return it, nil
		})
		if err != nil {
			return err
		}
		if _, err := tx.CreateReviewDecision(ctx, store.ReviewDecision{
			ItemID: itemID, CampaignID: c.ID, Stage: shown.Stage, Decision: dec.Decision, ReviewerID: actor.PersonID,
			Issuer: actor.Issuer, Subject: actor.Subject, Justification: dec.Justification,
			RecommendationShown: shown.Recommendation, ReasonShown: shown.Reason, ReassignTo: to,
			PreviousReviewerIDs: shown.ReviewerIDs, CreatedAt: now,
		}); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, now, audit.Entry{Actor: actor.audit(), Action: audit.ActionReviewDecided, Target: fmt.Sprintf("review-item:%d", itemID),
			Details: map[string]any{"campaign": c.ID, "decision": dec.Decision, "justification": dec.Justification, "reassignTo": to,
				"recommendation": shown.Recommendation, "issuer": actor.Issuer, "subject": actor.Subject}})
		return err
	})
	if err != nil {
		return store.ReviewItem{}, fmt.Errorf("review: decide item %d: %w", itemID, mapErr(err))
	}
	if remediateNow {
		if out, err = s.remediate(ctx, out); err != nil {
			s.logger().Warn("remediate", "item", itemID, "err", err)
		}
	}
	return out, nil
}

// checkItemActor is the part of every reviewer action's guard (deciding,
// undoing) that says who may act on an item and when: one of its
// reviewers, never its holder, while its stage is open.
func checkItemActor(c store.Campaign, it store.ReviewItem, actor Actor) error {
	switch {
	case c.State != store.CampaignActive:
		return fmt.Errorf("%w: campaign is %s", ErrClosed, c.State)
	case it.State == store.ItemFinal || it.Stage != c.Stage:
		return fmt.Errorf("%w: the item's stage is closed; its decision is final", ErrClosed)
	case actor.PersonID == "":
		return fmt.Errorf("%w: decisions are made by a person", ErrForbidden)
	case actor.PersonID == it.HolderID:
		return fmt.Errorf("%w: nobody reviews their own access", ErrForbidden)
	case !slices.Contains(it.ReviewerIDs, actor.PersonID):
		return fmt.Errorf("%w: not a reviewer of this item", ErrForbidden)
	}
	return nil
}

// checkDecision is the guard of the decision transition.
func checkDecision(c store.Campaign, it store.ReviewItem, actor Actor, dec Decision) error {
	if err := checkItemActor(c, it, actor); err != nil {
		return err
	}
	just := strings.TrimSpace(dec.Justification)
	switch dec.Decision {
	case store.DecisionRevoke:
		if just == "" {
			return fmt.Errorf("%w: a revoke needs a justification", ErrInvalid)
		}
	case store.DecisionCertify:
		if just == "" && (it.Snapshot.RiskTier == "high" || it.Snapshot.RiskTier == "critical") {
			return fmt.Errorf("%w: certifying a %s-risk item needs a justification", ErrInvalid, it.Snapshot.RiskTier)
		}
	case store.DecisionReassign:
		if just == "" || dec.ReassignTo == "" {
			return fmt.Errorf("%w: a reassignment needs reassignTo and a reason", ErrInvalid)
		}
	default:
		return fmt.Errorf("%w: decision must be certify, revoke or reassign, got %q", ErrInvalid, dec.Decision)
	}
	return nil
}

// BulkFilter selects the items a bulk decision applies to, among those
// the actor may decide now.
type BulkFilter struct {
	ItemIDs        []int64 // explicit selection; empty: every item matching the rest
	Recommendation string  // keep | revoke
	CatalogItem    string
	Undecided      bool
}

// BulkResult is what a bulk decision did.
type BulkResult struct {
	Decided int              `json:"decided"`
	Failed  map[int64]string `json:"failed,omitempty"`
}

// DecideBulk applies one decision to every selected item the actor
// reviews in the campaign's current stage, each item its own transaction
// (and audit event); items that fail are listed with the reason.
func (s *Service) DecideBulk(ctx context.Context, actor Actor, campaignID string, f BulkFilter, dec Decision) (BulkResult, error) {
	c, err := s.Store.GetCampaign(ctx, campaignID)
	if err != nil {
		return BulkResult{}, fmt.Errorf("review: bulk decide: %w", mapErr(err))
	}
	res := BulkResult{Failed: map[int64]string{}}
	want := map[int64]bool{}
	for _, id := range f.ItemIDs {
		want[id] = true
	}
	stage := c.Stage
	var after int64
	for {
		q := store.ReviewItemQuery{CampaignID: campaignID, ReviewerID: actor.PersonID, Stage: &stage, AfterID: after, Limit: 500,
			States: []store.ReviewItemState{store.ItemPending, store.ItemDecided, store.ItemEscalated}}
		if f.Undecided {
			empty := ""
			q.Decision = &empty
		}
		if f.CatalogItem != "" {
			q.ItemID = f.CatalogItem
		}
		page, err := s.Store.ListReviewItems(ctx, q)
		if err != nil {
			return res, fmt.Errorf("review: bulk decide: %w", err)
		}
		if len(page) == 0 {
			break
		}
		after = page[len(page)-1].ID
		for _, it := range page {
			if len(want) > 0 && !want[it.ID] || f.Recommendation != "" && it.Recommendation != f.Recommendation {
				continue
			}
			if _, err := s.Decide(ctx, actor, it.ID, dec); err != nil {
				res.Failed[it.ID] = err.Error()
				continue
			}
			res.Decided++
		}
	}
	return res, nil
}

// mapErr keeps service sentinels and maps store ones.
func mapErr(err error) error {
	switch {
	case errors.Is(err, ErrInvalid), errors.Is(err, ErrForbidden), errors.Is(err, ErrClosed):
		return err
	}
	return err
}
