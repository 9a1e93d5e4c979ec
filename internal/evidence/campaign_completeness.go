package evidence

import (
	"context"
	"fmt"
	"sort"

	"github.com/syncd-dev/syncd/internal/store"
)

var completenessColumns = []Column{
	{Name: "Check", Width: 28}, {Name: "Subject", Width: 30}, {Name: "In the population at launch", Kind: Number, Width: 16},
	{Name: "In syncd's records", Kind: Number, Width: 16}, {Name: "Difference", Kind: Number}, {Name: "Explanation", Width: 90},
}

// grantSource names how a grant came to be, as review snapshots do.
func grantSource(g store.Grant) string {
	switch g.Assurance {
	case store.AssuranceBirthright:
		return "birthright"
	case store.AssuranceImported:
		return "imported"
	}
	return "requested"
}

// activeAt reports whether g was held at t: started, not ended, and not a
// grant that never became active.
func activeAt(g store.Grant, t store.Campaign) bool {
	at := t.StartedAt
	if g.State == store.GrantPending || g.State == store.GrantFailed || g.Start.After(at) || g.CreatedAt.After(at) {
		return false
	}
	return g.EndedAt == nil || g.EndedAt.After(at)
}

// completeness reconciles the launch population with the grants syncd
// recorded as held at launch (per source and per item), shows that every
// item was decided or defaulted, and lists the exceptions.
func (x *campaignExport) completeness(ctx context.Context) error {
	s, err := x.w.NewSheet("Completeness", completenessColumns, SheetOptions{ExpectedRows: 1000})
	if err != nil {
		return err
	}
	popSource, popItem := map[string]int{}, map[string]int{}
	if err := x.eachItem(ctx, store.ReviewItemQuery{}, func(page []store.ReviewItem) error {
		for _, it := range page {
			popSource[it.Snapshot.Source]++
			popItem[it.ItemID]++
		}
		return nil
	}); err != nil {
		return err
	}
	scope := scopeOf(x.c.Parameters)
	if x.c.Kind == store.CampaignNHIs {
		if err := rowsPerKey(s, "Per source", popSource, nil, "NHI campaign: the population is every NHI the scope selected at launch; per-source counts shown"); err != nil {
			return err
		}
	} else {
		recSource, recItem := map[string]int{}, map[string]int{}
		err := keyset(ctx, itemPage, func(ctx context.Context, after string) ([]store.Grant, error) {
			page, err := x.src.ScanGrants(ctx, store.GrantScan{AfterID: after, Limit: itemPage})
			if err != nil {
				return nil, fmt.Errorf("evidence: campaign %s: grants: %w", x.c.ID, err)
			}
			return page, nil
		}, func(g store.Grant) string { return g.ID }, func(page []store.Grant) error {
			for _, g := range page {
				if activeAt(g, x.c) {
					recSource[grantSource(g)]++
					recItem[g.ItemID]++
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		outside := fmt.Sprintf("grants held at launch that the scope (%s) does not select", scope)
		if x.c.Kind == store.CampaignMover {
			outside = "a mover micro-review covers only the grants the mover's new job function no longer justifies"
		}
		if err := rowsPerKey(s, "Per source", popSource, recSource, outside); err != nil {
			return err
		}
		if err := rowsPerKey(s, "Per catalog item", popItem, recItem, outside); err != nil {
			return err
		}
	}
	n := x.counts
	for _, r := range [][]any{
		{"Decision coverage", "Items in scope", n.Total, nil, nil, ""},
		{"Decision coverage", "Decided by a reviewer", n.Certified + n.Revoked - n.Defaulted, nil, nil, ""},
		{"Decision coverage", "Decided by the non-response default", n.Defaulted, nil, nil, "see Decisions, column Default applied"},
		{"Decision coverage", "Undecided", n.Undecided, nil, nil, "each listed below as an exception"},
	} {
		if err := s.Row(r...); err != nil {
			return err
		}
	}
	undecided := ""
	if err := x.eachItem(ctx, store.ReviewItemQuery{Decision: &undecided}, func(page []store.ReviewItem) error {
		for _, it := range page {
			if err := s.Row("Exception", fmt.Sprintf("review item %d", it.ID), nil, nil, nil,
				fmt.Sprintf("undecided (state %s) at export: %s holds %s%s", it.State, it.Snapshot.HolderName, it.ItemID, it.NHIID)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := x.eachItem(ctx, store.ReviewItemQuery{Remediation: []store.RemediationState{store.RemediationFailed, store.RemediationUnverified}}, func(page []store.ReviewItem) error {
		for _, it := range page {
			state, why := accessAfter(it)
			if err := s.Row("Exception", fmt.Sprintf("review item %d", it.ID), nil, nil, nil, fmt.Sprintf("revoked but %s: %s", state, why)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	for _, note := range x.c.Report {
		subject := "campaign"
		if note.ItemID != 0 {
			subject = fmt.Sprintf("review item %d", note.ItemID)
		}
		if err := s.Row("Exception: "+note.Kind, subject, nil, nil, nil, note.Text); err != nil {
			return err
		}
	}
	return s.Close()
}

// rowsPerKey writes one reconciliation row per key of either map.
func rowsPerKey(s *Sheet, check string, pop, rec map[string]int, outside string) error {
	keys := map[string]bool{}
	for k := range pop {
		keys[k] = true
	}
	for k := range rec {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		if rec == nil {
			if err := s.Row(check, k, pop[k], nil, nil, outside); err != nil {
				return err
			}
			continue
		}
		diff := rec[k] - pop[k]
		var why string
		switch {
		case diff == 0:
			why = "every grant held at launch is in the population"
		case diff > 0:
			why = fmt.Sprintf("%d %s", diff, outside)
		default:
			why = fmt.Sprintf("EXCEPTION: %d more items than grants held at launch (grants created or ended while the population was frozen)", -diff)
		}
		if err := s.Row(check, k, pop[k], rec[k], diff, why); err != nil {
			return err
		}
	}
	return nil
}

// scopeOf reads the scope expression from a campaign's parameters.
func scopeOf(raw []byte) string {
	for _, r := range parameterRows(raw) {
		if r[0] == "Parameter.scope" {
			if s, ok := r[1].(string); ok && s != "" {
				return s
			}
		}
	}
	return "everything"
}

// requests writes the requests that created the reviewed grants, with
// their decision records.
func (x *campaignExport) requests(ctx context.Context) error {
	s, err := x.w.NewSheet("Requests and approvals", requestColumns, SheetOptions{ExpectedRows: x.counts.Total})
	if err != nil {
		return err
	}
	err = x.eachItem(ctx, store.ReviewItemQuery{}, func(page []store.ReviewItem) error {
		var ids, all []string
		for _, it := range page {
			if it.GrantID == "" {
				continue
			}
			all = append(all, it.GrantID)
			if it.Snapshot.Source == "requested" {
				ids = append(ids, it.GrantID)
			}
		}
		if len(all) == 0 {
			return nil
		}
		grants, err := x.src.ListGrantsByID(ctx, all)
		if err != nil {
			return fmt.Errorf("evidence: campaign %s: grants: %w", x.c.ID, err)
		}
		sort.Slice(grants, func(i, j int) bool { return grants[i].ID < grants[j].ID })
		byID := make(map[string]store.Grant, len(grants))
		for _, g := range grants {
			byID[g.ID] = g
		}
		// The requests that created the page's requested grants.
		byReq := map[string][]store.Grant{}
		var order []string
		for _, id := range ids {
			g, ok := byID[id]
			if !ok || g.RequestID == "" {
				continue
			}
			if _, seen := byReq[g.RequestID]; !seen {
				order = append(order, g.RequestID)
			}
			byReq[g.RequestID] = append(byReq[g.RequestID], g)
		}
		for _, rid := range order {
			r, err := x.src.GetRequest(ctx, rid)
			if isNotFound(err) {
				continue
			}
			if err != nil {
				return fmt.Errorf("evidence: campaign %s: request %s: %w", x.c.ID, rid, err)
			}
			if err := requestRows(ctx, s, x.src, x.ppl, r, byReq[rid]); err != nil {
				return err
			}
		}
		// The requests that extended any of the page's grants.
		ext, err := x.src.ListRequestsExtending(ctx, all)
		if err != nil {
			return fmt.Errorf("evidence: campaign %s: extending requests: %w", x.c.ID, err)
		}
		for _, r := range ext {
			var gs []store.Grant
			if g, ok := byID[r.ExtendsGrantID]; ok {
				gs = []store.Grant{g}
			}
			if err := requestRows(ctx, s, x.src, x.ppl, r, gs); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.Close()
}
