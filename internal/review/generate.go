package review

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// errNothing aborts an update that found nothing to do.
var errNothing = errors.New("review: nothing to do")

// farFuture is the end date of grants that last as long as their source
// says (imported grants): no expiry worth showing.
var farFuture = time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)

// StartOptions tune a start by hand.
type StartOptions struct {
	// Progress, when set, is called after each generation page with the
	// items frozen so far.
	Progress func(generated int)
	// NoGenerate leaves generation to Tick (a job); the campaign stays
	// "generating" until then.
	NoGenerate bool
	// Background returns as soon as the campaign row exists (state
	// "generating") and generates it in a goroutine of the service
	// (Service.Wait waits for it). If the process stops first, the next
	// Tick continues from the cursor.
	Background bool
}

// Start starts a campaign of the named definition by hand: an extra run
// that does not consume a scheduled period. Generation runs to the end
// before Start returns (unless NoGenerate). A definition whose scope is
// empty starts nothing: the campaign is recorded as empty.
func (s *Service) Start(ctx context.Context, name, by string, o StartOptions) (store.Campaign, error) {
	d, err := s.definition(name)
	if err != nil {
		return store.Campaign{}, err
	}
	if d.Kind == store.CampaignMover {
		return store.Campaign{}, fmt.Errorf("%w: %s opens on mover events, not by hand", ErrInvalid, name)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return store.Campaign{}, fmt.Errorf("review: start: %w", err)
	}
	c, err := s.create(ctx, d, id.String(), "manual:"+id.String(), by, s.now())
	if err != nil {
		return store.Campaign{}, err
	}
	switch {
	case o.NoGenerate:
		return c, nil
	case o.Background:
		bg := s.backgroundContext()
		s.background.Add(1)
		go func() {
			defer s.background.Done()
			// The request that started it may end; generation goes on
			// until Stop.
			if _, err := s.Generate(bg, c.ID, o.Progress); err != nil {
				s.logger().Warn("background campaign generation stopped; Tick continues it", "campaign", c.ID, "err", err)
			}
		}()
		return c, nil
	}
	return s.Generate(ctx, c.ID, o.Progress)
}

// Wait waits for the generations started in the background to finish.
func (s *Service) Wait() { s.background.Wait() }

// Stop cancels the generations started in the background and waits for
// them: each stops after its page in flight, and the next Tick (on any
// replica) continues from the cursor.
func (s *Service) Stop() {
	s.backgroundContext()
	s.bgCancel()
	s.background.Wait()
}

func (s *Service) backgroundContext() context.Context {
	s.bgOnce.Do(func() { s.bgCtx, s.bgCancel = context.WithCancel(context.Background()) })
	return s.bgCtx
}

// create records a new campaign in state generating. A second campaign
// for the same (definition, period) gives store.ErrConflict.
func (s *Service) create(ctx context.Context, d *Definition, id, period, by string, start time.Time) (store.Campaign, error) {
	params, version, err := d.parameters()
	if err != nil {
		return store.Campaign{}, fmt.Errorf("review: start %s: %w", d.Name, err)
	}
	var c store.Campaign
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		c, err = tx.CreateCampaign(ctx, store.Campaign{
			ID: id, Definition: d.Name, DefinitionVersion: version, Parameters: params, Period: period,
			Kind: d.Kind, State: store.CampaignGenerating, Stages: len(d.Stages), StartedBy: by,
			StartedAt: start, StageDueAt: start.Add(d.stageDuration(0)), DueAt: start.Add(d.totalDuration()),
		})
		if err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, s.now(), audit.Entry{Actor: by, Action: audit.ActionCampaignStarted, Target: "campaign:" + c.ID,
			Details: map[string]any{"definition": d.Name, "period": period, "version": version}})
		return err
	})
	if err != nil {
		return store.Campaign{}, fmt.Errorf("review: start %s: %w", d.Name, err)
	}
	return c, nil
}

// Generate freezes the campaign's population page by page until done;
// a crash in between resumes from the cursor on the campaign row, and two
// processes generating the same campaign take turns on its row lock, so
// no grant is frozen twice. Each page is computed (grants, people,
// scope, recommendations, reviewers) while the previous one is written,
// outside the row lock; the write checks that the cursor is still where
// the page starts, or starts over from wherever another process left it.
func (s *Service) Generate(ctx context.Context, id string, progress func(int)) (store.Campaign, error) {
	c, err := s.Store.GetCampaign(ctx, id)
	if err != nil {
		return c, fmt.Errorf("review: generate %s: %w", id, err)
	}
	if c.State != store.CampaignGenerating {
		return c, nil
	}
	d, err := s.definition(c.Definition)
	if err != nil {
		return c, fmt.Errorf("review: generate %s: %w", id, err)
	}
	// Persons and job functions read for one page serve the next ones too
	// (holders and managers repeat): the cache grows with the people
	// involved, never with the grants. One page is computed at a time, so
	// the cache has one user at a time.
	cache := newGenCache()
	page := s.preparePage(ctx, d, c, c.GenCursor, cache)
	for {
		if page.err != nil {
			return c, fmt.Errorf("review: generate %s: %w", id, page.err)
		}
		var ahead chan genPage
		if !page.last {
			ahead = make(chan genPage, 1)
			go func(c store.Campaign, from string) { ahead <- s.preparePage(ctx, d, c, from, cache) }(c, page.cursor)
		}
		out, done, moved, err := s.generateStep(ctx, id, page)
		if err != nil || done || moved {
			if ahead != nil {
				<-ahead // the cache is the next page's until it is done
			}
		}
		if err != nil {
			return out, err
		}
		if progress != nil {
			progress(out.Generated)
		}
		if done {
			return out, nil
		}
		c = out
		if moved {
			page = s.preparePage(ctx, d, c, c.GenCursor, cache)
			continue
		}
		page = <-ahead
	}
}

// genPage is one page of the population, computed before it is written.
type genPage struct {
	from   string // the cursor the page starts after
	items  []store.ReviewItem
	cursor string // the cursor after the page ("" when it read nothing)
	last   bool
	err    error
}

// preparePage computes the page after from, reading outside any
// transaction.
func (s *Service) preparePage(ctx context.Context, d *Definition, c store.Campaign, from string, cache *genCache) genPage {
	p := genPage{from: from}
	switch c.Kind {
	case store.CampaignNHIs:
		p.items, p.cursor, p.last, p.err = s.nhiPage(ctx, s.Store, d, c, from, cache)
	default:
		p.items, p.cursor, p.last, p.err = s.grantPage(ctx, s.Store, d, c, from, cache)
	}
	return p
}

// generateStep writes one page under the campaign's row lock. done
// reports that generation is over; moved that the cursor was no longer
// where the page starts (another process wrote it), so nothing was
// written.
func (s *Service) generateStep(ctx context.Context, id string, page genPage) (store.Campaign, bool, bool, error) {
	var out store.Campaign
	done, moved := false, false
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.UpdateCampaign(ctx, id, func(c store.Campaign) (store.Campaign, error) {
			if c.State != store.CampaignGenerating {
				return c, errNothing
			}
			if c.GenCursor != page.from {
				moved = true
				return c, errNothing
			}
			d, err := s.definition(c.Definition)
			if err != nil {
				return c, err
			}
			items, cursor, last := page.items, page.cursor, page.last
			if _, err := tx.CreateReviewItems(ctx, items); err != nil {
				return c, err
			}
			if cursor != "" {
				c.GenCursor = cursor
			}
			c.Generated += len(items)
			for _, it := range items {
				if it.Route == RouteFallbackGroup || it.Route == RouteUnassigned {
					c.Report = appendNote(c.Report, s.now(), it.Route, 0, fmt.Sprintf("%s: no reviewer other than the holder for grant %s%s of %s", it.Route, it.GrantID, it.NHIID, it.HolderID))
				}
			}
			if last {
				done = true
				return s.finishGeneration(ctx, tx, d, c)
			}
			return c, nil
		})
		return err
	})
	if errors.Is(err, errNothing) {
		c, gerr := s.Store.GetCampaign(ctx, id)
		if gerr != nil {
			return c, true, false, fmt.Errorf("review: generate %s: %w", id, gerr)
		}
		return c, !moved || c.State != store.CampaignGenerating, moved && c.State == store.CampaignGenerating, nil
	}
	if err != nil {
		return out, false, false, fmt.Errorf("review: generate %s: %w", id, err)
	}
	return out, done, false, nil
}

// maxNotes bounds how many item-level lines a campaign report keeps on
// the campaign row; counts stay exact in the items themselves.
const maxNotes = 200

func appendNote(r []store.CampaignNote, at time.Time, kind string, item int64, text string) []store.CampaignNote {
	if len(r) >= maxNotes {
		return r
	}
	return append(r, store.CampaignNote{At: at, Kind: kind, ItemID: item, Text: text})
}

// finishGeneration activates the campaign, or records it as empty when
// its scope held nothing: an empty scope starts no campaign.
func (s *Service) finishGeneration(ctx context.Context, tx store.Tx, d *Definition, c store.Campaign) (store.Campaign, error) {
	now := s.now()
	action := audit.ActionCampaignGenerated
	if c.Generated == 0 {
		c.State, c.ClosedAt = store.CampaignEmpty, &now
		action = audit.ActionCampaignEmpty
	} else {
		c.State = store.CampaignActive
	}
	if err := notifyAssigned(ctx, tx, c, now); err != nil {
		return c, err
	}
	_, err := audit.Append(ctx, tx, now, audit.Entry{Actor: system, Action: action, Target: "campaign:" + c.ID,
		Details: map[string]any{"definition": d.Name, "items": c.Generated}})
	return c, err
}

// genCache keeps what one generation read about people across its pages.
type genCache struct {
	persons map[string]*store.Person // nil value: known missing
	jfs     map[string][]string      // person -> current job functions (nil: none)
}

func newGenCache() *genCache {
	return &genCache{persons: map[string]*store.Person{}, jfs: map[string][]string{}}
}

// jobFunctions returns the current job functions of ids, reading only
// those not cached yet; a nil cache reads them all.
func (g *genCache) jobFunctions(ctx context.Context, tx store.Reader, ids []string) (map[string][]string, error) {
	if g == nil {
		return tx.ListOpenJobFunctionsOf(ctx, ids)
	}
	var missing []string
	for _, id := range ids {
		if _, ok := g.jfs[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		got, err := tx.ListOpenJobFunctionsOf(ctx, missing)
		if err != nil {
			return nil, err
		}
		for _, id := range missing {
			g.jfs[id] = got[id]
		}
	}
	out := make(map[string][]string, len(ids))
	for _, id := range ids {
		if fns := g.jfs[id]; fns != nil {
			out[id] = fns
		}
	}
	return out, nil
}

// peerCache keeps the peer counts of campaigns being generated, computed
// once per campaign and process (not per page).
var peerCache sync.Map // campaign id -> store.PeerCounts

func (s *Service) peers(ctx context.Context, tx store.Reader, d *Definition, campaignID string) (store.PeerCounts, error) {
	if d.Recommend.PeerPercent <= 0 {
		return store.PeerCounts{}, nil
	}
	if v, ok := peerCache.Load(campaignID); ok {
		return v.(store.PeerCounts), nil
	}
	pc, err := tx.CountPeers(ctx)
	if err != nil {
		return pc, err
	}
	peerCache.Store(campaignID, pc)
	return pc, nil
}

// grantSource names how a grant came to be, for scopes and snapshots.
func grantSource(g store.Grant) string {
	switch g.Assurance {
	case store.AssuranceBirthright:
		return "birthright"
	case store.AssuranceImported:
		return "imported"
	}
	return "requested"
}

// grantPage freezes the next page of grants in scope.
func (s *Service) grantPage(ctx context.Context, tx store.Tx, d *Definition, c store.Campaign, from string, cache *genCache) ([]store.ReviewItem, string, bool, error) {
	page := s.pageSize()
	grants, err := tx.ScanGrants(ctx, store.GrantScan{AfterID: from, States: []store.GrantState{store.GrantActive}, Limit: page})
	if err != nil {
		return nil, "", false, err
	}
	if len(grants) == 0 {
		return nil, "", true, nil
	}
	items, err := s.grantItems(ctx, tx, d, c, grants, nil, cache)
	if err != nil {
		return nil, "", false, err
	}
	return items, grants[len(grants)-1].ID, len(grants) < page, nil
}

// grantItems builds the review items of grants that are in d's scope.
// move, for a mover micro-review, is the event that opened it.
func (s *Service) grantItems(ctx context.Context, tx store.Tx, d *Definition, c store.Campaign, grants []store.Grant, move *store.MoverEvent, cache *genCache) ([]store.ReviewItem, error) {
	cat := s.catalog()
	items := s.items()
	dir := newPeople(ctx, tx, cat.ApproverGroups)
	if cache != nil {
		dir.cache = cache.persons
	}
	holders := make([]string, 0, len(grants))
	var owners []string
	for _, g := range grants {
		holders = append(holders, g.HolderID)
		if it, ok := items[g.ItemID]; ok && it.OwnerID != "" {
			owners = append(owners, it.OwnerID)
		}
	}
	slices.Sort(holders)
	holders = slices.Compact(holders)
	slices.Sort(owners)
	owners = slices.Compact(owners)
	if err := dir.loadChain(holders); err != nil {
		return nil, err
	}
	if err := dir.load(owners); err != nil {
		return nil, err
	}
	jfs, err := cache.jobFunctions(ctx, tx, holders)
	if err != nil {
		return nil, err
	}
	peers, err := s.peers(ctx, tx, d, c.ID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	// The latest mover event of holders whose job functions no longer
	// justify a grant, read in one query for the page.
	var unjustified []string
	for _, g := range grants {
		if it, ok := items[g.ItemID]; ok && move == nil {
			if why, rests := justifiedBy(g, it, jfs[g.HolderID]); rests && len(why) == 0 {
				unjustified = append(unjustified, g.HolderID)
			}
		}
	}
	moves := map[string]store.MoverEvent{}
	if len(unjustified) > 0 {
		slices.Sort(unjustified)
		if moves, err = tx.LastMoverEvents(ctx, slices.Compact(unjustified)); err != nil {
			return nil, err
		}
	}
	var out []store.ReviewItem
	for _, g := range grants {
		holder, ok := dir.person(g.HolderID)
		if !ok {
			continue
		}
		it, known := items[g.ItemID]
		var nhiHolder *store.NHI
		if g.HolderNHIID != "" {
			if n, err := tx.GetNHI(ctx, g.HolderNHIID); err == nil {
				nhiHolder = &n
			}
		}
		if move == nil {
			ok, err := d.scope.Match(GrantVars(g, it, holder, jfs[g.HolderID], nhiHolder), nil)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		f := grantFacts{Grant: g, Item: it, KnownItem: known, JobFunctions: jfs[g.HolderID], Now: now, CampaignEnd: c.DueAt,
			UnusedDays: d.unusedDays(), PeerPercent: d.Recommend.PeerPercent, Peers: peers, LastMove: move}
		if nhiHolder != nil {
			f.LastUsed = nhiHolder.LastUsedAt
		}
		if ev, ok := moves[g.HolderID]; ok && move == nil {
			f.LastMove = &ev
		}
		rec, reason := recommendGrant(f)
		sub := subject{HolderID: g.HolderID, ManagerID: holder.ManagerID, ItemOwnerID: it.OwnerID}
		if nhiHolder != nil {
			sub.NHIOwnerID = nhiHolder.OwnerID
		}
		st := d.Stages[0]
		reviewers, route := resolveReviewers(dir, st.Reviewers, st.Fallback, d.FallbackGroup, sub)
		snap := store.ReviewSnapshot{
			HolderName: holder.Name(), HolderDept: holder.Department, JobFunctions: jfs[g.HolderID],
			ItemName: it.Name, RiskTier: it.Risk, Source: grantSource(g), Assurance: g.Assurance, Start: g.Start,
		}
		if snap.ItemName == "" {
			snap.ItemName = g.ItemID
		}
		if g.End.Before(farFuture) {
			end := g.End
			snap.Expiry = &end
		}
		if nhiHolder != nil {
			snap.LastUsedAt, snap.Environment, snap.NHIKind, snap.ProjectID = nhiHolder.LastUsedAt, nhiHolder.Environment, string(nhiHolder.Kind), nhiHolder.ProjectID
		}
		out = append(out, store.ReviewItem{
			CampaignID: c.ID, GrantID: g.ID, HolderID: g.HolderID, HolderNHIID: g.HolderNHIID, ItemID: g.ItemID,
			Snapshot: snap, DefinitionVersion: c.DefinitionVersion, ReviewerIDs: reviewers, Route: route,
			Recommendation: rec, Reason: reason, State: store.ItemPending,
		})
	}
	return out, nil
}

// nhiPage freezes the next page of NHIs in scope.
func (s *Service) nhiPage(ctx context.Context, tx store.Tx, d *Definition, c store.Campaign, from string, cache *genCache) ([]store.ReviewItem, string, bool, error) {
	page := s.pageSize()
	nhis, err := tx.ListNHIs(ctx, store.NHIQuery{AfterID: from, Status: store.NHIActive, Limit: page})
	if err != nil {
		return nil, "", false, err
	}
	if len(nhis) == 0 {
		return nil, "", true, nil
	}
	cat := s.catalog()
	dir := newPeople(ctx, tx, cat.ApproverGroups)
	if cache != nil {
		dir.cache = cache.persons
	}
	var owners []string
	for _, n := range nhis {
		owners = append(owners, n.OwnerID)
	}
	if err := dir.loadChain(owners); err != nil {
		return nil, "", false, err
	}
	now := s.now()
	var out []store.ReviewItem
	for _, n := range nhis {
		findings, err := tx.ListFindings(ctx, store.FindingQuery{NHIID: n.ID, Limit: store.All})
		if err != nil {
			return nil, "", false, err
		}
		owner, ownerKnown := dir.person(n.OwnerID)
		ownerStatus := "none"
		if ownerKnown {
			ownerStatus = string(owner.Status)
		}
		rules := []string{}
		for _, f := range findings {
			rules = append(rules, f.Rule)
		}
		ok, err := d.scope.Match(nil, NHIVars(n, ownerStatus, rules))
		if err != nil {
			return nil, "", false, err
		}
		if !ok {
			continue
		}
		rec, reason := recommendNHI(nhiFacts{NHI: n, Findings: findings, OwnerActive: ownerStatus == string(store.StatusActive),
			Now: now, CampaignEnd: c.DueAt, UnusedDays: d.unusedDays()})
		st := d.Stages[0]
		reviewers, route := resolveReviewers(dir, st.Reviewers, st.Fallback, d.FallbackGroup, subject{ManagerID: owner.ManagerID, NHIOwnerID: n.OwnerID})
		out = append(out, store.ReviewItem{
			CampaignID: c.ID, NHIID: n.ID, HolderNHIID: n.ID, ItemID: "",
			Snapshot: store.ReviewSnapshot{
				HolderName: n.Name + " (owner " + owner.Name() + ")", Source: n.Source, Start: n.CreatedAt,
				Expiry: n.ExpiresAt, LastUsedAt: n.LastUsedAt, Environment: n.Environment, NHIKind: string(n.Kind), ProjectID: n.ProjectID,
			},
			DefinitionVersion: c.DefinitionVersion, ReviewerIDs: reviewers, Route: route,
			Recommendation: rec, Reason: reason, State: store.ItemPending,
		})
	}
	return out, nhis[len(nhis)-1].ID, len(nhis) < page, nil
}
