package evidence

import (
	"context"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// nhiInScope evaluates an NHI campaign's scope for an active NHI, over its
// owner's status and its open findings, as generation does.
func (x *campaignExport) nhiInScope(ctx context.Context, n store.NHI) (bool, error) {
	if x.scope == nil || n.Status != store.NHIActive {
		return false, nil
	}
	fs, err := x.src.ListFindings(ctx, store.FindingQuery{NHIID: n.ID, Limit: store.All})
	if err != nil {
		return false, fmt.Errorf("evidence: campaign %s: findings of %s: %w", x.c.ID, n.ID, err)
	}
	rules := make([]string, 0, len(fs))
	for _, f := range fs {
		rules = append(rules, f.Rule)
	}
	ownerStatus := "none"
	if n.OwnerID != "" {
		if o, err := x.src.GetPerson(ctx, n.OwnerID); err == nil {
			ownerStatus = string(o.Status)
		} else if !isNotFound(err) {
			return false, fmt.Errorf("evidence: campaign %s: owner of %s: %w", x.c.ID, n.ID, err)
		}
	}
	ok, err := x.scope.MatchNHI(n, ownerStatus, rules)
	if err != nil {
		return false, fmt.Errorf("evidence: campaign %s: scope of nhi %s: %w", x.c.ID, n.ID, err)
	}
	return ok, nil
}

// afterNHIs writes the rows of an NHI campaign: each reviewed NHI with
// its status now, then the active NHIs in scope now that were not reviewed.
func (x *campaignExport) afterNHIs(ctx context.Context, s *Sheet, cnt *afterCounts) error {
	evaluated := x.scope != nil
	err := x.eachItem(ctx, store.ReviewItemQuery{}, func(page []store.ReviewItem) error {
		for _, it := range page {
			n, err := x.src.GetNHI(ctx, it.NHIID)
			known := err == nil
			if err != nil && !isNotFound(err) {
				return fmt.Errorf("evidence: campaign %s: nhi %s: %w", x.c.ID, it.NHIID, err)
			}
			in := false
			if known {
				if in, err = x.nhiInScope(ctx, n); err != nil {
					return err
				}
			}
			if in {
				cnt.inScope++
				cnt.reviewedInScope++
			}
			stateNow := "not recorded"
			if known {
				stateNow = string(n.Status)
			}
			access, why := accessAfter(it)
			if it.Decision == store.DecisionRevoke {
				if known && n.Status == store.NHIActive {
					access = "STILL ACTIVE after revoke"
					cnt.stillHeld++
				} else {
					cnt.removed++
				}
			} else if known && n.Status != store.NHIActive {
				access, why = "retired or disabled since launch", fmt.Sprintf("NHI %s since %s", n.Status, n.UpdatedAt.UTC().Format(time.RFC3339))
			}
			scopeNow := "not evaluated"
			if evaluated {
				scopeNow = yesNo(in)
			}
			if err := s.Row(it.ID, "", it.NHIID, it.Snapshot.HolderName, it.HolderID, "", "yes", it.Decision, string(it.Remediation.State),
				stateNow, scopeNow, access, why); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || !evaluated {
		return err
	}
	q := store.NHIQuery{Status: store.NHIActive, Limit: itemPage}
	for {
		page, err := x.src.ListNHIs(ctx, q)
		if err != nil {
			return fmt.Errorf("evidence: campaign %s: nhis: %w", x.c.ID, err)
		}
		for _, n := range page {
			in, err := x.nhiInScope(ctx, n)
			if err != nil {
				return err
			}
			if !in {
				continue
			}
			reviewed, err := x.src.ListReviewItems(ctx, store.ReviewItemQuery{CampaignID: x.c.ID, NHIID: n.ID, Limit: 1})
			if err != nil {
				return fmt.Errorf("evidence: campaign %s: items of %s: %w", x.c.ID, n.ID, err)
			}
			if len(reviewed) > 0 {
				continue
			}
			cnt.inScope++
			cnt.notReviewed++
			why := fmt.Sprintf("created at %s, after the campaign started", n.CreatedAt.UTC().Format(time.RFC3339))
			if !n.CreatedAt.After(x.c.StartedAt) {
				why = "active since before launch but not in scope then (its owner, findings or attributes changed since)"
			}
			if err := s.Row(nil, "", n.ID, n.Name, n.OwnerID, "", "no", "", "", string(n.Status), "yes", "active, not in the reviewed population", why); err != nil {
				return err
			}
		}
		if len(page) < q.Limit {
			return nil
		}
		q.AfterID = page[len(page)-1].ID
	}
}
