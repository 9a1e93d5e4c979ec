package review

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// PopulationSource is what evaluating a campaign's scope reads: the
// closing transaction, or the snapshot an evidence export reads.
type PopulationSource interface {
	ScanGrants(ctx context.Context, q store.GrantScan) ([]store.Grant, error)
	ListGrants(ctx context.Context, q store.GrantQuery) ([]store.Grant, error)
	ListPersonsByID(ctx context.Context, ids []string) ([]store.Person, error)
	ListOpenJobFunctionsOf(ctx context.Context, ids []string) (map[string][]string, error)
	GetNHI(ctx context.Context, id string) (store.NHI, error)
	ListNHIs(ctx context.Context, q store.NHIQuery) ([]store.NHI, error)
	ListFindings(ctx context.Context, q store.FindingQuery) ([]store.Finding, error)
	ListCampaignItemsByGrant(ctx context.Context, campaignID string, grantIDs []string) ([]store.ReviewItem, error)
	ListReviewItems(ctx context.Context, q store.ReviewItemQuery) ([]store.ReviewItem, error)
}

// PopulationStats count what an evaluation found.
type PopulationStats struct {
	Rows             int `json:"rows"`
	InScope          int `json:"inScope"`
	Reviewed         int `json:"reviewed"`
	NotReviewed      int `json:"notReviewed"`
	RevokedStillHeld int `json:"revokedStillHeld"`
}

// populationPage is how many grants or NHIs one evaluation step reads.
const populationPage = 1000

// Row notes of the evaluation.
const (
	// NoteOutOfScopeRevoked marks a row outside the scope that is listed
	// because the campaign revoked it and it is still held.
	NoteOutOfScopeRevoked = "out of scope at evaluation, listed because this campaign revoked it and it is still held"
)

// EvaluatePopulation evaluates campaign c's scope, compiled as
// CampaignScope compiles it, against what src holds now: every active
// grant (an NHI campaign: every active NHI; a mover micro-review: its
// subject's grants) in scope, and every one outside it that the campaign
// revoked and that is still held. fn gets the rows a page at a time, in
// grant (NHI) ID order, numbered from 1; nothing is kept across pages.
// It returns the scope expression and the counts.
func (s *Service) EvaluatePopulation(ctx context.Context, src PopulationSource, c store.Campaign, fn func([]store.ClosePopulationRow) error) (string, PopulationStats, error) {
	var st PopulationStats
	cs, err := s.CampaignScope(c)
	if err != nil {
		return "", st, err
	}
	e := &evaluation{s: s, src: src, c: c, cs: cs, fn: fn, st: &st}
	switch c.Kind {
	case store.CampaignNHIs:
		err = e.nhis(ctx)
	case store.CampaignMover:
		var gs []store.Grant
		gs, err = src.ListGrants(ctx, store.GrantQuery{HolderID: c.SubjectID, States: []store.GrantState{store.GrantActive}, Limit: store.All})
		if err == nil {
			err = e.grants(ctx, gs)
		}
	default:
		q := store.GrantScan{States: []store.GrantState{store.GrantActive}, Limit: populationPage}
		for {
			var page []store.Grant
			if page, err = src.ScanGrants(ctx, q); err != nil || len(page) == 0 {
				break
			}
			if err = e.grants(ctx, page); err != nil || len(page) < q.Limit {
				break
			}
			q.AfterID = page[len(page)-1].ID
		}
	}
	if err != nil {
		return "", st, fmt.Errorf("review: evaluate the population of %s: %w", c.ID, err)
	}
	return cs.Source(), st, nil
}

type evaluation struct {
	s   *Service
	src PopulationSource
	c   store.Campaign
	cs  *CampaignScope
	fn  func([]store.ClosePopulationRow) error
	st  *PopulationStats
	seq int64
}

// persons loads these persons (missing ones are absent from the map).
func (e *evaluation) persons(ctx context.Context, ids []string) (map[string]store.Person, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	if len(ids) > 0 && ids[0] == "" {
		ids = ids[1:]
	}
	out := make(map[string]store.Person, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	ps, err := e.src.ListPersonsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		out[p.ID] = p
	}
	return out, nil
}

// grants evaluates one page of active grants.
func (e *evaluation) grants(ctx context.Context, page []store.Grant) error {
	if len(page) == 0 {
		return nil
	}
	holderIDs := make([]string, 0, len(page))
	grantIDs := make([]string, 0, len(page))
	for _, g := range page {
		holderIDs = append(holderIDs, g.HolderID)
		grantIDs = append(grantIDs, g.ID)
	}
	holders, err := e.persons(ctx, holderIDs)
	if err != nil {
		return err
	}
	jfs, err := e.src.ListOpenJobFunctionsOf(ctx, slices.Compact(slices.Sorted(slices.Values(holderIDs))))
	if err != nil {
		return err
	}
	reviewed, err := e.src.ListCampaignItemsByGrant(ctx, e.c.ID, grantIDs)
	if err != nil {
		return err
	}
	items := make(map[string]store.ReviewItem, len(reviewed))
	for _, it := range reviewed {
		items[it.GrantID] = it
	}
	type kept struct {
		g       store.Grant
		nhi     *store.NHI
		inScope bool
	}
	var rows []kept
	var more []string // managers and item owners
	for _, g := range page {
		holder, known := holders[g.HolderID]
		var nhi *store.NHI
		if g.HolderNHIID != "" {
			n, err := e.src.GetNHI(ctx, g.HolderNHIID)
			switch {
			case err == nil:
				nhi = &n
			case !errors.Is(err, store.ErrNotFound):
				return err
			}
		}
		in := false
		if known { // holders syncd no longer knows are out of scope, as at generation
			if in, err = e.cs.MatchGrant(g, holder, jfs[g.HolderID], nhi); err != nil {
				return fmt.Errorf("scope of grant %s: %w", g.ID, err)
			}
		}
		it, wasReviewed := items[g.ID]
		if !in && !(wasReviewed && it.Decision == store.DecisionRevoke) {
			continue
		}
		rows = append(rows, kept{g: g, nhi: nhi, inScope: in})
		more = append(more, holder.ManagerID, e.cs.items[g.ItemID].OwnerID)
	}
	if len(rows) == 0 {
		return nil
	}
	others, err := e.persons(ctx, more)
	if err != nil {
		return err
	}
	out := make([]store.ClosePopulationRow, 0, len(rows))
	for _, k := range rows {
		g := k.g
		holder := holders[g.HolderID]
		ci, knownItem := e.cs.items[g.ItemID]
		e.seq++
		r := store.ClosePopulationRow{
			CampaignID: e.c.ID, Seq: e.seq, GrantID: g.ID,
			HolderID: g.HolderID, HolderName: cmp.Or(holder.Name(), g.HolderID), EmployeeNumber: holder.EmployeeNumber,
			Department: holder.Department, Title: holder.Title, ManagerID: holder.ManagerID, HolderStatus: string(holder.Status),
			ItemID: g.ItemID, ItemName: ci.Name, Risk: ci.Risk, ItemOwnerID: ci.OwnerID,
			ObtainedBy: grantSource(g), Assurance: g.Assurance, RequestID: g.RequestID, Start: g.Start, InScope: k.inScope,
		}
		if holder.ManagerID != "" {
			r.ManagerName = cmp.Or(others[holder.ManagerID].Name(), holder.ManagerID)
		}
		if ci.OwnerID != "" {
			r.ItemOwnerName = cmp.Or(others[ci.OwnerID].Name(), ci.OwnerID)
		}
		if !knownItem || r.ItemName == "" {
			r.ItemName = g.ItemID
		}
		if g.End.Before(farFuture) && !g.End.IsZero() {
			end := g.End
			r.Expiry = &end
		}
		if k.nhi != nil {
			r.LastUsedAt = k.nhi.LastUsedAt
		}
		e.st.Rows++
		if k.inScope {
			e.st.InScope++
		}
		if it, ok := items[g.ID]; ok {
			r.ReviewItemID, r.Decision, r.Remediation = it.ID, it.Decision, it.Remediation.State
			r.RevokedStillHeld = it.Decision == store.DecisionRevoke
			if k.inScope {
				e.st.Reviewed++
			}
			if r.RevokedStillHeld {
				e.st.RevokedStillHeld++
			}
			if !k.inScope {
				r.Note = NoteOutOfScopeRevoked
			}
		} else {
			e.st.NotReviewed++
			if r.Note, err = e.notReviewed(ctx, g); err != nil {
				return err
			}
		}
		out = append(out, r)
	}
	return e.fn(out)
}

// notReviewed says why a grant in scope is not in the reviewed
// population: the campaign revoked another grant of the same item and
// holder (re-granted), it was granted after launch, or it was held then
// but out of scope.
func (e *evaluation) notReviewed(ctx context.Context, g store.Grant) (string, error) {
	revoke := store.DecisionRevoke
	prior, err := e.src.ListReviewItems(ctx, store.ReviewItemQuery{CampaignID: e.c.ID, HolderID: g.HolderID, ItemID: g.ItemID, Decision: &revoke, Limit: 10})
	if err != nil {
		return "", err
	}
	how := "granted"
	if g.RequestID != "" {
		how = "granted by request " + g.RequestID
	}
	for _, it := range prior {
		if it.GrantID != g.ID {
			return fmt.Sprintf("re-granted: the campaign revoked grant %s of the same item (review item %d); %s again at %s", it.GrantID, it.ID, how,
				g.CreatedAt.UTC().Format(time.RFC3339)), nil
		}
	}
	if g.CreatedAt.After(e.c.StartedAt) {
		return fmt.Sprintf("%s at %s, after the campaign started (%s)", how, g.CreatedAt.UTC().Format(time.RFC3339), e.c.StartedAt.UTC().Format(time.RFC3339)), nil
	}
	return fmt.Sprintf("held since %s but not in scope at launch (the holder's or the item's attributes changed since)", g.CreatedAt.UTC().Format(time.RFC3339)), nil
}

// nhis evaluates an NHI campaign's scope over the active NHIs, a page at
// a time.
func (e *evaluation) nhis(ctx context.Context) error {
	q := store.NHIQuery{Status: store.NHIActive, Limit: populationPage}
	for {
		page, err := e.src.ListNHIs(ctx, q)
		if err != nil {
			return err
		}
		if err := e.nhiPage(ctx, page); err != nil {
			return err
		}
		if len(page) < q.Limit {
			return nil
		}
		q.AfterID = page[len(page)-1].ID
	}
}

func (e *evaluation) nhiPage(ctx context.Context, page []store.NHI) error {
	owners := make([]string, 0, len(page))
	for _, n := range page {
		owners = append(owners, n.OwnerID)
	}
	ps, err := e.persons(ctx, owners)
	if err != nil {
		return err
	}
	var managers []string
	for _, p := range ps {
		managers = append(managers, p.ManagerID)
	}
	mgrs, err := e.persons(ctx, managers)
	if err != nil {
		return err
	}
	var out []store.ClosePopulationRow
	for _, n := range page {
		fs, err := e.src.ListFindings(ctx, store.FindingQuery{NHIID: n.ID, Limit: store.All})
		if err != nil {
			return err
		}
		rules := make([]string, 0, len(fs))
		for _, f := range fs {
			rules = append(rules, f.Rule)
		}
		owner, known := ps[n.OwnerID]
		ownerStatus := "none"
		if known {
			ownerStatus = string(owner.Status)
		}
		in, err := e.cs.MatchNHI(n, ownerStatus, rules)
		if err != nil {
			return fmt.Errorf("scope of nhi %s: %w", n.ID, err)
		}
		items, err := e.src.ListReviewItems(ctx, store.ReviewItemQuery{CampaignID: e.c.ID, NHIID: n.ID, Limit: 1})
		if err != nil {
			return err
		}
		revoked := len(items) > 0 && items[0].Decision == store.DecisionRevoke
		if !in && !revoked {
			continue
		}
		e.seq++
		r := store.ClosePopulationRow{
			CampaignID: e.c.ID, Seq: e.seq, NHIID: n.ID,
			HolderID: n.OwnerID, HolderName: n.Name, EmployeeNumber: owner.EmployeeNumber, Department: owner.Department, Title: owner.Title,
			ManagerID: owner.ManagerID, HolderStatus: string(n.Status), ItemName: string(n.Kind), ItemOwnerID: n.OwnerID,
			ObtainedBy: n.Source, Start: n.CreatedAt, Expiry: n.ExpiresAt, LastUsedAt: n.LastUsedAt, InScope: in,
		}
		if n.OwnerID != "" {
			r.ItemOwnerName = cmp.Or(owner.Name(), n.OwnerID)
			r.HolderName = n.Name + " (owner " + r.ItemOwnerName + ")"
		}
		if owner.ManagerID != "" {
			r.ManagerName = cmp.Or(mgrs[owner.ManagerID].Name(), owner.ManagerID)
		}
		e.st.Rows++
		if in {
			e.st.InScope++
		}
		if len(items) > 0 {
			it := items[0]
			r.ReviewItemID, r.Decision, r.Remediation, r.RevokedStillHeld = it.ID, it.Decision, it.Remediation.State, revoked
			if in {
				e.st.Reviewed++
			}
			if revoked {
				e.st.RevokedStillHeld++
			}
			if !in {
				r.Note = NoteOutOfScopeRevoked
			}
		} else {
			e.st.NotReviewed++
			r.Note = fmt.Sprintf("created at %s, after the campaign started", n.CreatedAt.UTC().Format(time.RFC3339))
			if !n.CreatedAt.After(e.c.StartedAt) {
				r.Note = "active since before launch but not in scope then (its owner, findings or attributes changed since)"
			}
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil
	}
	return e.fn(out)
}

// recordClosePopulation evaluates the closing campaign's scope in the
// closing transaction and stores the rows, the evaluation and its audit
// event with it: the close is a guarded transition of the campaign row,
// so this runs exactly once per campaign, and the store refuses a second
// evaluation besides.
func (s *Service) recordClosePopulation(ctx context.Context, tx store.Tx, c store.Campaign, now time.Time) error {
	scope, st, err := s.EvaluatePopulation(ctx, tx, c, func(rows []store.ClosePopulationRow) error {
		return tx.AddClosePopulation(ctx, rows)
	})
	if err != nil {
		return err
	}
	if err := tx.CreateCloseEvaluation(ctx, store.CloseEvaluation{CampaignID: c.ID, EvaluatedAt: now, Scope: scope, Rows: st.Rows}); err != nil {
		return fmt.Errorf("review: close population of %s: %w", c.ID, err)
	}
	_, err = audit.Append(ctx, tx, now, audit.Entry{Actor: system, Action: audit.ActionCampaignPopulationEvaluated, Target: "campaign:" + c.ID,
		Details: map[string]any{"scope": scope, "rows": st.Rows, "inScope": st.InScope, "reviewed": st.Reviewed, "notReviewed": st.NotReviewed,
			"revokedStillHeld": st.RevokedStillHeld}})
	return err
}
