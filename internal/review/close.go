package review

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// Close applies the non-response default now and closes the campaign,
// stage after stage: `syncd campaign close`. Items the cap holds back are
// kept and listed in the report as escalated (there is no grace period
// when closing by hand).
func (s *Service) Close(ctx context.Context, id, by string) (store.Campaign, error) {
	for {
		c, err := s.closeStage(ctx, id, by, true)
		if err != nil {
			return c, err
		}
		if c.State != store.CampaignActive {
			return c, nil
		}
	}
}

// capKey groups items for the per-item cap: a catalog item's holders; all
// NHIs of a campaign together.
func capKey(it store.ReviewItem) string {
	if it.NHIID != "" {
		return "nhi"
	}
	return it.ItemID
}

// advances reports whether an item goes on to the next stage.
func advances(rule, decision string) bool {
	switch rule {
	case "approved":
		return decision == store.DecisionCertify
	case "revoked":
		return decision == store.DecisionRevoke
	case "undecided":
		return decision == ""
	}
	return true // "all" and unset
}

// defaultDecision is what the non-response default decides for an item.
func defaultDecision(action string, it store.ReviewItem) string {
	switch action {
	case DefaultRevoke:
		return store.DecisionRevoke
	case DefaultRecommendation:
		if it.Recommendation == store.RecommendRevoke {
			return store.DecisionRevoke
		}
	}
	return store.DecisionCertify
}

// capBudget is how many default revokes each cap key and the campaign
// still allow.
type capBudget struct {
	perKey   map[string]int
	campaign int // math.MaxInt: no campaign cap
}

func (b *capBudget) take(key string) bool {
	if b.perKey[key] <= 0 || b.campaign <= 0 {
		return false
	}
	b.perKey[key]--
	b.campaign--
	return true
}

// forEachItem pages over the campaign's items of one stage that are not
// final, in ID order.
func forEachItem(ctx context.Context, tx store.Reader, campaignID string, stage int, fn func(store.ReviewItem) error) error {
	return forEachPage(ctx, tx, campaignID, stage, func(page []store.ReviewItem) error {
		for _, it := range page {
			if err := fn(it); err != nil {
				return err
			}
		}
		return nil
	})
}

// forEachPage is forEachItem a page at a time. fn may change the page's
// items (their stage or state): pages follow the last ID read.
func forEachPage(ctx context.Context, tx store.Reader, campaignID string, stage int, fn func([]store.ReviewItem) error) error {
	var after int64
	for {
		page, err := tx.ListReviewItems(ctx, store.ReviewItemQuery{CampaignID: campaignID, Stage: &stage, AfterID: after, Limit: closePage,
			States: []store.ReviewItemState{store.ItemPending, store.ItemDecided, store.ItemEscalated}})
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		after = page[len(page)-1].ID
		if err := fn(page); err != nil {
			return err
		}
	}
}

// budget computes the cap budget: per key, CapPercent of the key's
// holders in the campaign minus what defaults already revoked; in all,
// CapItems minus the same.
func (s *Service) budget(ctx context.Context, tx store.Reader, d *Definition, c store.Campaign) (capBudget, error) {
	total, used := map[string]int{}, map[string]int{}
	usedAll := 0
	var after int64
	for {
		page, err := tx.ListReviewItems(ctx, store.ReviewItemQuery{CampaignID: c.ID, AfterID: after, Limit: 1000})
		if err != nil {
			return capBudget{}, err
		}
		if len(page) == 0 {
			break
		}
		after = page[len(page)-1].ID
		for _, it := range page {
			k := capKey(it)
			total[k]++
			if it.Defaulted && it.Decision == store.DecisionRevoke {
				used[k]++
				usedAll++
			}
		}
	}
	b := capBudget{perKey: map[string]int{}, campaign: math.MaxInt}
	for k, n := range total {
		b.perKey[k] = int(math.Floor(d.capPercent()*float64(n)/100+1e-9)) - used[k]
	}
	if d.Default.CapItems > 0 {
		b.campaign = d.Default.CapItems - usedAll
	}
	return b, nil
}

// closeStage closes the campaign's current stage when it is due (or at
// once with force): undecided items that do not advance get the capped
// default, items that advance go to the next stage's reviewers, the rest
// become final and revoked ones are handed to remediation. Without force,
// a default held back by the cap first escalates the items to the
// fallback reviewers and extends the stage by the escalation delay. All
// of it is one transaction holding the campaign row: exactly once.
func (s *Service) closeStage(ctx context.Context, id, by string, force bool) (store.Campaign, error) {
	now := s.now()
	var out store.Campaign
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.UpdateCampaign(ctx, id, func(c store.Campaign) (store.Campaign, error) {
			if c.State != store.CampaignActive {
				return c, errNothing
			}
			if !force && now.Before(c.StageDueAt) {
				return c, errNothing
			}
			d, err := s.definition(c.Definition)
			if err != nil {
				return c, err
			}
			return s.applyStageClose(ctx, tx, d, c, by, force, now)
		})
		return err
	})
	if errors.Is(err, errNothing) {
		return s.Store.GetCampaign(ctx, id)
	}
	if err != nil {
		return out, fmt.Errorf("review: close stage of %s: %w", id, err)
	}
	if _, err := s.remediatePending(ctx); err != nil {
		s.logger().Warn("remediation after stage close", "campaign", id, "err", err)
	}
	return out, nil
}

func (s *Service) applyStageClose(ctx context.Context, tx store.Tx, d *Definition, c store.Campaign, by string, force bool, now time.Time) (store.Campaign, error) {
	stage := c.Stage
	last := stage == c.Stages-1
	rule := d.Stages[stage].Advance
	action := d.defaultAction()
	dir := newPeople(ctx, tx, s.catalog().ApproverGroups)

	// Plan the default: does the cap hold any revoke back?
	budget, err := s.budget(ctx, tx, d, c)
	if err != nil {
		return c, err
	}
	plan := capBudget{perKey: map[string]int{}, campaign: budget.campaign}
	for k, v := range budget.perKey {
		plan.perKey[k] = v
	}
	overCap, escalatedBefore := 0, 0
	err = forEachItem(ctx, tx, c.ID, stage, func(it store.ReviewItem) error {
		if it.State == store.ItemEscalated {
			escalatedBefore++
		}
		if it.Decision != "" || (!last && advances(rule, "")) {
			return nil
		}
		if defaultDecision(action, it) == store.DecisionRevoke && !plan.take(capKey(it)) {
			overCap++
		}
		return nil
	})
	if err != nil {
		return c, err
	}
	if overCap > 0 && escalatedBefore == 0 && !force {
		return s.escalateOverCap(ctx, tx, d, c, dir, budget, now)
	}

	// Apply: default, advance or finalise every open item of the stage,
	// a page at a time, each page as a few set-based updates (one per
	// distinct change) plus the default decisions in one batch.
	counts := map[string]int{}
	var cappedIDs []int64
	err = forEachPage(ctx, tx, c.ID, stage, func(page []store.ReviewItem) error {
		sets := newChangeSets()
		var decisions []store.ReviewDecision
		for _, it := range page {
			iv := store.ReviewItemVersion{ID: it.ID, Version: it.Version}
			if !last && advances(rule, it.Decision) {
				sub, err := s.subjectOf(ctx, tx, dir, it)
				if err != nil {
					return err
				}
				next := d.Stages[stage+1]
				ids, route := resolveReviewers(dir, next.Reviewers, next.Fallback, d.FallbackGroup, sub)
				if err := sets.add(advanceChange(stage+1, ids, route), iv); err != nil {
					return err
				}
				counts["advanced"]++
				continue
			}
			var def string
			var capped bool
			if it.Decision == "" {
				def = defaultDecision(action, it)
				if def == store.DecisionRevoke && (it.State == store.ItemEscalated || !budget.take(capKey(it))) {
					def, capped = store.DecisionCertify, true
				}
			}
			ch := store.ReviewItemChange{State: store.ItemFinal}
			decision := it.Decision
			if def != "" {
				decision = def
				ch.Default = &store.ReviewDefault{Decision: def, DecidedBy: system, At: now,
					Justification: "non-response default: " + action}
				if capped {
					ch.Escalated = ptr(true)
					ch.Default.Justification = "non-response default held back by the cap: kept"
				}
				decisions = append(decisions, store.ReviewDecision{ItemID: it.ID, CampaignID: c.ID, Stage: stage, Decision: def,
					ReviewerID: system, Justification: ch.Default.Justification, RecommendationShown: it.Recommendation,
					ReasonShown: it.Reason, Defaulted: true, PreviousReviewerIDs: it.ReviewerIDs, CreatedAt: now})
				counts["defaulted"]++
			}
			if decision == store.DecisionRevoke && it.Remediation.State == store.RemediationNone {
				r := requestRemediation(s, it, now)
				ch.Remediation = &r
			}
			if err := sets.add(ch, iv); err != nil {
				return err
			}
			if capped {
				counts["capped"]++
				if len(cappedIDs) < maxAuditIDs {
					cappedIDs = append(cappedIDs, it.ID)
				}
				c.Report = appendNote(c.Report, now, "cap-escalated", it.ID, fmt.Sprintf("cap-escalated: item %d (%s of %s) kept: the default would exceed the cap", it.ID, it.ItemID+it.NHIID, it.HolderID))
			}
			if decision == store.DecisionRevoke {
				counts["revoked"]++
			}
		}
		if err := sets.apply(ctx, tx); err != nil {
			return err
		}
		return tx.CreateReviewDecisions(ctx, decisions)
	})
	if err != nil {
		return c, err
	}
	actionName := audit.ActionCampaignStageClosed
	if last {
		c.State, c.ClosedAt = store.CampaignClosed, &now
		actionName = audit.ActionCampaignClosed
	} else {
		c.Stage = stage + 1
		c.StageDueAt = now.Add(d.stageDuration(stage + 1))
		if c.DueAt.Before(c.StageDueAt) {
			c.DueAt = c.StageDueAt
		}
		if err := notifyAssigned(ctx, tx, c, now); err != nil {
			return c, err
		}
	}
	_, err = audit.Append(ctx, tx, now, audit.Entry{Actor: by, Action: actionName, Target: "campaign:" + c.ID,
		Details: map[string]any{"stage": stage, "default": action, "defaulted": counts["defaulted"], "advanced": counts["advanced"],
			"revoked": counts["revoked"], "capped": counts["capped"], "cappedItems": cappedIDs,
			"cappedItemsTruncated": counts["capped"] > len(cappedIDs)}})
	if err != nil || !last {
		return c, err
	}
	return c, s.recordClosePopulation(ctx, tx, c, now)
}

// escalateOverCap hands the undecided items a default would revoke
// beyond the cap to the fallback reviewers and extends the stage.
func (s *Service) escalateOverCap(ctx context.Context, tx store.Tx, d *Definition, c store.Campaign, dir *people, budget capBudget, now time.Time) (store.Campaign, error) {
	stage := c.Stage
	last := stage == c.Stages-1
	rule := d.Stages[stage].Advance
	n := 0
	err := forEachPage(ctx, tx, c.ID, stage, func(page []store.ReviewItem) error {
		sets := newChangeSets()
		for _, it := range page {
			if it.Decision != "" || (!last && advances(rule, "")) {
				continue
			}
			if defaultDecision(d.defaultAction(), it) != store.DecisionRevoke || budget.take(capKey(it)) {
				continue
			}
			sub, err := s.subjectOf(ctx, tx, dir, it)
			if err != nil {
				return err
			}
			ids, route := resolveReviewers(dir, d.Stages[stage].Fallback, nil, d.FallbackGroup, sub)
			if len(ids) == 0 {
				ids, route = it.ReviewerIDs, it.Route
			}
			ids = append([]string(nil), ids...)
			if err := sets.add(store.ReviewItemChange{State: store.ItemEscalated, Escalated: ptr(true), Reviewers: &ids, Route: route},
				store.ReviewItemVersion{ID: it.ID, Version: it.Version}); err != nil {
				return err
			}
			for _, p := range ids {
				if err := notify(ctx, tx, p, "review.escalated", "campaign:"+c.ID,
					fmt.Sprintf("Campaign %s: item %d escalated to you; the non-response default may not revoke it (cap)", c.Definition, it.ID),
					fmt.Sprintf("review:cap:%d:%s", it.ID, p), now); err != nil {
					return err
				}
			}
			c.Report = appendNote(c.Report, now, "cap-escalated", it.ID, fmt.Sprintf("cap-escalated: item %d (%s of %s) to %s", it.ID, it.ItemID+it.NHIID, it.HolderID, route))
			n++
		}
		return sets.apply(ctx, tx)
	})
	if err != nil {
		return c, err
	}
	c.StageDueAt = now.Add(d.escalationGrace())
	if c.DueAt.Before(c.StageDueAt) {
		c.DueAt = c.StageDueAt
	}
	_, err = audit.Append(ctx, tx, now, audit.Entry{Actor: system, Action: audit.ActionCampaignCapEscalated, Target: "campaign:" + c.ID,
		Details: map[string]any{"stage": stage, "escalated": n, "until": c.StageDueAt}})
	return c, err
}

// subjectOf is what reviewer resolution needs about an item, read now.
func (s *Service) subjectOf(ctx context.Context, tx store.Reader, dir *people, it store.ReviewItem) (subject, error) {
	sub := subject{HolderID: it.HolderID}
	if h, ok := dir.person(it.HolderID); ok {
		sub.ManagerID = h.ManagerID
	}
	if ci, ok := s.items()[it.ItemID]; ok {
		sub.ItemOwnerID = ci.OwnerID
	}
	if it.HolderNHIID != "" {
		n, err := tx.GetNHI(ctx, it.HolderNHIID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return sub, err
		}
		sub.NHIOwnerID = n.OwnerID
		if it.NHIID != "" {
			if o, ok := dir.person(n.OwnerID); ok {
				sub.ManagerID = o.ManagerID
			}
		}
	}
	return sub, nil
}
