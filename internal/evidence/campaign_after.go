package evidence

import (
	"context"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// Scope is a campaign's scope compiled for a fresh evaluation; package
// review's CampaignScope implements it with the code generation uses.
type Scope interface {
	Source() string
	MatchGrant(g store.Grant, holder store.Person, jobFunctions []string, holderNHI *store.NHI) (bool, error)
	MatchNHI(n store.NHI, ownerStatus string, findingRules []string) (bool, error)
}

var afterColumns = []Column{
	{Name: "Review item", Kind: Number}, {Name: "Grant"}, {Name: "NHI"}, {Name: "Holder"}, {Name: "Holder id"}, {Name: "Catalog item"},
	{Name: "Reviewed", Width: 10}, {Name: "Final decision", Width: 12}, {Name: "Remediation state", Width: 14},
	{Name: "State now", Width: 12}, {Name: "In scope now", Width: 12}, {Name: "Access after remediation", Width: 30}, {Name: "Evidence", Width: 60},
}

// afterCounts are the footer of the Population after remediation.
type afterCounts struct {
	inScope, reviewedInScope, notReviewed, regranted, stillHeld, removed int
}

// after evaluates the campaign's scope afresh, at export, over the access
// recorded now, and compares it with the reviewed population: first each
// reviewed item with what became of its access, then every grant or NHI
// in scope now that was not reviewed (granted since, re-granted after the
// campaign revoked it, or come into scope), with the reason.
func (x *campaignExport) after(ctx context.Context) error {
	s, err := x.w.NewSheet("Population after remediation", afterColumns, SheetOptions{ExpectedRows: x.counts.Total})
	if err != nil {
		return err
	}
	var n afterCounts
	if x.c.Kind == store.CampaignNHIs {
		err = x.afterNHIs(ctx, s, &n)
	} else {
		err = x.afterGrants(ctx, s, &n)
	}
	if err != nil {
		return err
	}
	scope := "not evaluated: the exporter has no campaign definitions"
	if x.scope != nil {
		scope = x.scope.Source()
		if scope == "" {
			scope = "(everything)"
		}
		if x.c.Kind == store.CampaignMover {
			scope = "the subject's grants that rest on a job function their job functions no longer justify"
		}
	}
	for _, r := range [][]any{
		{},
		{"Scope evaluated at", nil, nil, x.now.Format(time.RFC3339)},
		{"Scope", nil, nil, scope},
		{"In scope now", nil, nil, n.inScope},
		{"  of which reviewed", nil, nil, n.reviewedInScope},
		{"  not reviewed", nil, nil, n.notReviewed},
		{"  re-granted after the campaign revoked them", nil, nil, n.regranted},
		{"Revoked and still held", nil, nil, n.stillHeld},
		{"Revoked and removed", nil, nil, n.removed},
	} {
		if err := s.Row(r...); err != nil {
			return err
		}
	}
	return s.Close()
}

// grantFacts are what the scope of a page of grants is evaluated over.
type grantFacts struct {
	jfs  map[string][]string
	nhis map[string]*store.NHI
}

// facts loads the current holders, job functions and holding NHIs of a
// page of grants.
func (x *campaignExport) facts(ctx context.Context, grants []store.Grant) (grantFacts, error) {
	f := grantFacts{nhis: map[string]*store.NHI{}}
	holders := make([]string, 0, len(grants))
	for _, g := range grants {
		holders = append(holders, g.HolderID)
	}
	if err := x.ppl.load(ctx, x.src, holders); err != nil {
		return f, err
	}
	var err error
	if f.jfs, err = x.src.ListOpenJobFunctionsOf(ctx, holders); err != nil {
		return f, fmt.Errorf("evidence: campaign %s: job functions: %w", x.c.ID, err)
	}
	for _, g := range grants {
		if g.HolderNHIID == "" {
			continue
		}
		n, err := x.src.GetNHI(ctx, g.HolderNHIID)
		switch {
		case err == nil:
			f.nhis[g.HolderNHIID] = &n
		case !isNotFound(err):
			return f, fmt.Errorf("evidence: campaign %s: nhi %s: %w", x.c.ID, g.HolderNHIID, err)
		}
	}
	return f, nil
}

// inScope evaluates the scope for an active grant; holders syncd no
// longer knows are out of scope, as at generation.
func (x *campaignExport) inScope(ctx context.Context, g store.Grant, f grantFacts) (bool, error) {
	if x.scope == nil || g.State != store.GrantActive {
		return false, nil
	}
	holder, err := x.ppl.get(ctx, g.HolderID)
	if err != nil {
		return false, err
	}
	if holder.CreatedAt.IsZero() && holder.UserName == "" && holder.DisplayName == "" {
		return false, nil // unknown person
	}
	ok, err := x.scope.MatchGrant(g, holder, f.jfs[g.HolderID], f.nhis[g.HolderNHIID])
	if err != nil {
		return false, fmt.Errorf("evidence: campaign %s: scope of grant %s: %w", x.c.ID, g.ID, err)
	}
	return ok, nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// afterGrants writes the grant rows.
func (x *campaignExport) afterGrants(ctx context.Context, s *Sheet, n *afterCounts) error {
	evaluated := x.scope != nil
	err := x.eachItem(ctx, store.ReviewItemQuery{}, func(page []store.ReviewItem) error {
		ids := make([]string, 0, len(page))
		for _, it := range page {
			ids = append(ids, it.GrantID)
		}
		grants, err := x.src.ListGrantsByID(ctx, ids)
		if err != nil {
			return fmt.Errorf("evidence: campaign %s: grants: %w", x.c.ID, err)
		}
		byID := make(map[string]store.Grant, len(grants))
		for _, g := range grants {
			byID[g.ID] = g
		}
		f, err := x.facts(ctx, grants)
		if err != nil {
			return err
		}
		for _, it := range page {
			g, known := byID[it.GrantID]
			in, err := x.inScope(ctx, g, f)
			if err != nil {
				return err
			}
			if in {
				n.inScope++
				n.reviewedInScope++
			}
			stateNow := "not recorded"
			if known {
				stateNow = string(g.State)
			}
			access, why := grantAfter(it, g, known, in, evaluated)
			switch {
			case it.Decision == store.DecisionRevoke && known && (g.State == store.GrantActive || g.State == store.GrantEnding):
				n.stillHeld++
			case it.Decision == store.DecisionRevoke:
				n.removed++
			}
			scopeNow := "not evaluated"
			if evaluated {
				scopeNow = yesNo(in)
			}
			if err := s.Row(it.ID, it.GrantID, "", it.Snapshot.HolderName, it.HolderID, it.ItemID, "yes", it.Decision, string(it.Remediation.State),
				stateNow, scopeNow, access, why); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || !evaluated {
		return err
	}
	return x.eachActiveGrant(ctx, func(grants []store.Grant) error {
		ids := make([]string, len(grants))
		for i, g := range grants {
			ids[i] = g.ID
		}
		reviewed, err := x.src.ListCampaignItemsByGrant(ctx, x.c.ID, ids)
		if err != nil {
			return fmt.Errorf("evidence: campaign %s: items by grant: %w", x.c.ID, err)
		}
		seen := make(map[string]bool, len(reviewed))
		for _, it := range reviewed {
			seen[it.GrantID] = true
		}
		var fresh []store.Grant
		for _, g := range grants {
			if !seen[g.ID] {
				fresh = append(fresh, g)
			}
		}
		if len(fresh) == 0 {
			return nil
		}
		f, err := x.facts(ctx, fresh)
		if err != nil {
			return err
		}
		for _, g := range fresh {
			in, err := x.inScope(ctx, g, f)
			if err != nil {
				return err
			}
			if !in {
				continue
			}
			n.inScope++
			n.notReviewed++
			why, regranted, err := x.notReviewed(ctx, g)
			if err != nil {
				return err
			}
			if regranted {
				n.regranted++
			}
			holder, err := x.ppl.name(ctx, g.HolderID)
			if err != nil {
				return err
			}
			access := "held, not in the reviewed population"
			if regranted {
				access = "re-granted after the campaign revoked it"
			}
			if err := s.Row(nil, g.ID, "", holder, g.HolderID, g.ItemID, "no", "", "", string(g.State), "yes", access, why); err != nil {
				return err
			}
		}
		return nil
	})
}

// eachActiveGrant pages over the grants active now: over the subject's
// only for a mover micro-review.
func (x *campaignExport) eachActiveGrant(ctx context.Context, fn func([]store.Grant) error) error {
	if x.c.Kind == store.CampaignMover {
		gs, err := x.src.ListGrants(ctx, store.GrantQuery{HolderID: x.c.SubjectID, States: []store.GrantState{store.GrantActive}, Limit: store.All})
		if err != nil {
			return fmt.Errorf("evidence: campaign %s: grants of %s: %w", x.c.ID, x.c.SubjectID, err)
		}
		if len(gs) == 0 {
			return nil
		}
		return fn(gs)
	}
	q := store.GrantScan{States: []store.GrantState{store.GrantActive}, Limit: itemPage}
	for {
		page, err := x.src.ScanGrants(ctx, q)
		if err != nil {
			return fmt.Errorf("evidence: campaign %s: grants: %w", x.c.ID, err)
		}
		if len(page) > 0 {
			if err := fn(page); err != nil {
				return err
			}
		}
		if len(page) < q.Limit {
			return nil
		}
		q.AfterID = page[len(page)-1].ID
	}
}

// notReviewed explains why a grant in scope now was not reviewed: the
// campaign revoked the same item of the same holder (re-granted), it was
// granted after launch, or it was held then but out of scope.
func (x *campaignExport) notReviewed(ctx context.Context, g store.Grant) (string, bool, error) {
	revoke := store.DecisionRevoke
	prior, err := x.src.ListReviewItems(ctx, store.ReviewItemQuery{CampaignID: x.c.ID, HolderID: g.HolderID, ItemID: g.ItemID, Decision: &revoke, Limit: 10})
	if err != nil {
		return "", false, fmt.Errorf("evidence: campaign %s: items of %s: %w", x.c.ID, g.HolderID, err)
	}
	how := "granted"
	if g.RequestID != "" {
		how = "granted by request " + g.RequestID
	}
	for _, it := range prior {
		if it.GrantID != g.ID {
			at := ""
			if it.DecidedAt != nil {
				at = " on " + it.DecidedAt.UTC().Format(time.RFC3339)
			}
			return fmt.Sprintf("the campaign revoked grant %s of the same item (review item %d%s); %s again at %s", it.GrantID, it.ID, at, how,
				g.CreatedAt.UTC().Format(time.RFC3339)), true, nil
		}
	}
	if g.CreatedAt.After(x.c.StartedAt) {
		return fmt.Sprintf("%s at %s, after the campaign started (%s)", how, g.CreatedAt.UTC().Format(time.RFC3339), x.c.StartedAt.UTC().Format(time.RFC3339)), false, nil
	}
	return fmt.Sprintf("held since %s but not in scope at launch (the holder's or the item's attributes changed since)", g.CreatedAt.UTC().Format(time.RFC3339)), false, nil
}

// grantAfter says what became of a reviewed grant and what shows it.
func grantAfter(it store.ReviewItem, g store.Grant, known, inScope, evaluated bool) (string, string) {
	if it.Decision == store.DecisionRevoke {
		state, why := accessAfter(it)
		if known && (g.State == store.GrantActive || g.State == store.GrantEnding) {
			return "STILL HELD after revoke", fmt.Sprintf("grant is %s; remediation %s: %s", g.State, state, why)
		}
		return state, why
	}
	switch {
	case !known:
		return "no longer recorded", "the grant is not in syncd any more"
	case g.State == store.GrantActive && (inScope || !evaluated):
		state, why := accessAfter(it)
		return state, why
	case g.State == store.GrantActive:
		return "held, out of scope now", "the holder's or the item's attributes changed since launch"
	}
	why := fmt.Sprintf("grant %s", g.State)
	if g.EndedAt != nil {
		why += " at " + g.EndedAt.UTC().Format(time.RFC3339)
	}
	if g.EndedBy != "" {
		why += " by " + g.EndedBy
	}
	if g.EndReason != "" {
		why += ": " + g.EndReason
	}
	return "ended since launch", why
}
