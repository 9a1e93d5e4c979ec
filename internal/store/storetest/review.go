package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var reviewTests = []test{
	{"campaign once per definition and period", testCampaignOncePerPeriod},
	{"campaign update and list", testCampaignUpdateList},
	{"review items round trip with snapshot and remediation", testReviewItemsRoundTrip},
	{"review items by reviewer, state and decision", testReviewItemQueries},
	{"review item concurrent updates", testReviewItemConcurrent},
	{"review counts", testReviewCounts},
	{"review decisions history", testReviewDecisions},
	{"scan grants pages by id", testScanGrants},
	{"generation reads: persons, job functions, peers, movers", testReviewReads},
}

func newCampaign(t *testing.T, s store.Tx, def, period string) store.Campaign {
	t.Helper()
	c, err := s.CreateCampaign(t.Context(), store.Campaign{
		Definition: def, DefinitionVersion: "v1", Parameters: []byte(`{"name":"` + def + `"}`), Period: period,
		Kind: store.CampaignGrants, Stages: 2, StartedBy: "schedule",
		StartedAt: at(0), StageDueAt: at(7 * 24 * time.Hour), DueAt: at(14 * 24 * time.Hour),
	})
	must(t, "create campaign", err)
	return c
}

func testCampaignOncePerPeriod(t *testing.T, s store.Store) {
	c := newCampaign(t, s, "quarterly", "2026-10-01T00:00:00Z")
	if c.ID == "" || c.State != store.CampaignGenerating || c.Version != 1 {
		t.Fatalf("created %+v", c)
	}
	got, err := s.GetCampaign(t.Context(), c.ID)
	must(t, "get", err)
	same(t, "round trip", got, c)
	_, err = s.CreateCampaign(t.Context(), store.Campaign{Definition: "quarterly", Period: "2026-10-01T00:00:00Z", Kind: store.CampaignGrants, Stages: 1, StartedAt: at(0), StageDueAt: at(time.Hour), DueAt: at(time.Hour)})
	wantErr(t, "same period", err, store.ErrConflict)
	newCampaign(t, s, "quarterly", "2027-01-01T00:00:00Z")
	newCampaign(t, s, "monthly", "2026-10-01T00:00:00Z")
	_, err = s.GetCampaign(t.Context(), "nope")
	wantErr(t, "missing", err, store.ErrNotFound)

	// Two racing creators of one period: exactly one wins.
	var wg sync.WaitGroup
	wins := make(chan string, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := s.CreateCampaign(t.Context(), store.Campaign{Definition: "race", Period: "p", Kind: store.CampaignGrants, Stages: 1, StartedAt: at(0), StageDueAt: at(time.Hour), DueAt: at(time.Hour)})
			if err == nil {
				wins <- c.ID
			}
		}()
	}
	wg.Wait()
	close(wins)
	if n := len(wins); n != 1 {
		t.Fatalf("%d creators won the same period", n)
	}
}

func testCampaignUpdateList(t *testing.T, s store.Store) {
	c := newCampaign(t, s, "quarterly", "q4")
	up, err := s.UpdateCampaign(t.Context(), c.ID, func(c store.Campaign) (store.Campaign, error) {
		c.State, c.GenCursor, c.Generated = store.CampaignActive, "grant-9", 9
		c.Report = append(c.Report, store.CampaignNote{At: at(time.Hour), Kind: "cap-escalated", ItemID: 3, Text: "held back"})
		c.Period = "changed"
		return c, nil
	})
	must(t, "update", err)
	if up.Version != 2 || up.Period != "q4" || up.GenCursor != "grant-9" || len(up.Report) != 1 {
		t.Fatalf("updated %+v", up)
	}
	got, err := s.GetCampaign(t.Context(), c.ID)
	must(t, "get", err)
	same(t, "after update", got, up)
	_, err = s.UpdateCampaign(t.Context(), c.ID, func(c store.Campaign) (store.Campaign, error) {
		c.Stage = 5
		return c, nil
	})
	if err == nil {
		t.Fatal("a stage beyond the last was stored")
	}
	newCampaign(t, s, "monthly", "m1")
	due := at(8 * 24 * time.Hour)
	for _, tc := range []struct {
		name string
		q    store.CampaignQuery
		want int
	}{
		{"all", store.CampaignQuery{}, 2},
		{"definition", store.CampaignQuery{Definition: "monthly"}, 1},
		{"active", store.CampaignQuery{States: []store.CampaignState{store.CampaignActive}}, 1},
		{"due", store.CampaignQuery{StageDueBefore: &due}, 2},
	} {
		got, err := s.ListCampaigns(t.Context(), tc.q)
		must(t, tc.name, err)
		if len(got) != tc.want {
			t.Errorf("%s: %d campaigns, want %d", tc.name, len(got), tc.want)
		}
	}
}

func reviewItem(c store.Campaign, grant, holder string, reviewers ...string) store.ReviewItem {
	exp := at(30 * 24 * time.Hour)
	return store.ReviewItem{
		CampaignID: c.ID, GrantID: grant, HolderID: holder, ItemID: "reports", DefinitionVersion: c.DefinitionVersion,
		Snapshot: store.ReviewSnapshot{
			HolderName: "Ana", HolderDept: "finance", JobFunctions: []string{"finance-analyst"}, ItemName: "Reports",
			RiskTier: "high", Source: "requested", Assurance: store.AssuranceApproved, Start: at(-time.Hour), Expiry: &exp,
		},
		ReviewerIDs: reviewers, Route: "manager", Recommendation: store.RecommendKeep, Reason: "justified by finance-analyst",
	}
}

func testReviewItemsRoundTrip(t *testing.T, s store.Store) {
	c := newCampaign(t, s, "quarterly", "q4")
	items, err := s.CreateReviewItems(t.Context(), []store.ReviewItem{reviewItem(c, "g1", "ana", "ben"), reviewItem(c, "g2", "cyd", "ben", "dee")})
	must(t, "create", err)
	if len(items) != 2 || items[0].ID == 0 || items[1].ID <= items[0].ID || items[0].State != store.ItemPending {
		t.Fatalf("created %+v", items)
	}
	got, err := s.GetReviewItem(t.Context(), items[1].ID)
	must(t, "get", err)
	same(t, "round trip", got, items[1])
	_, err = s.CreateReviewItems(t.Context(), []store.ReviewItem{reviewItem(c, "g1", "ana", "ben")})
	wantErr(t, "same grant twice", err, store.ErrConflict)
	_, err = s.CreateReviewItems(t.Context(), []store.ReviewItem{reviewItem(c, "g3", "ana", "ana")})
	if err == nil {
		t.Fatal("the holder was stored as their own reviewer")
	}
	now := at(2 * time.Hour)
	up, err := s.UpdateReviewItem(t.Context(), items[0].ID, func(it store.ReviewItem) (store.ReviewItem, error) {
		it.Decision, it.State, it.DecidedBy, it.DecidedIssuer, it.DecidedSubject, it.DecidedAt = store.DecisionRevoke, store.ItemDecided, "ben", "https://idp", "sub-ben", &now
		it.Justification = "left the team"
		it.Remediation = store.Remediation{State: store.RemediationVerified, RequestedAt: &now, FulfilledAt: &now, Adapter: "ldap-group", VerifiedAt: &now, VerifiedRun: 42, VerifySource: "corp"}
		it.Snapshot.HolderName = "changed"
		return it, nil
	})
	must(t, "update", err)
	if up.Version != 2 || up.Snapshot.HolderName != "Ana" || up.Remediation.VerifiedRun != 42 {
		t.Fatalf("updated %+v", up)
	}
	got, err = s.GetReviewItem(t.Context(), items[0].ID)
	must(t, "get", err)
	same(t, "after update", got, up)
	_, err = s.UpdateReviewItem(t.Context(), items[0].ID, func(it store.ReviewItem) (store.ReviewItem, error) {
		it.ReviewerIDs = []string{"ana"}
		return it, nil
	})
	if err == nil {
		t.Fatal("the holder became their own reviewer")
	}
}

func testReviewItemQueries(t *testing.T, s store.Store) {
	c := newCampaign(t, s, "quarterly", "q4")
	other := newCampaign(t, s, "monthly", "m1")
	var batch []store.ReviewItem
	for i := range 10 {
		rev := "ben"
		if i%2 == 1 {
			rev = "dee"
		}
		batch = append(batch, reviewItem(c, "g"+itoa(i), "h"+itoa(i), rev))
	}
	batch = append(batch, reviewItem(other, "g0", "h0", "ben"))
	items, err := s.CreateReviewItems(t.Context(), batch)
	must(t, "create", err)
	_, err = s.UpdateReviewItem(t.Context(), items[0].ID, func(it store.ReviewItem) (store.ReviewItem, error) {
		it.ReviewerIDs = []string{"dee"}
		it.Reassigned++
		return it, nil
	})
	must(t, "reassign", err)
	_, err = s.UpdateReviewItem(t.Context(), items[1].ID, func(it store.ReviewItem) (store.ReviewItem, error) {
		it.Decision, it.State = store.DecisionCertify, store.ItemDecided
		return it, nil
	})
	must(t, "decide", err)
	undecided, certify := "", store.DecisionCertify
	zero := 0
	for _, tc := range []struct {
		name string
		q    store.ReviewItemQuery
		want int
	}{
		{"campaign", store.ReviewItemQuery{CampaignID: c.ID}, 10},
		{"reviewer ben", store.ReviewItemQuery{CampaignID: c.ID, ReviewerID: "ben"}, 4},
		{"reviewer dee", store.ReviewItemQuery{CampaignID: c.ID, ReviewerID: "dee"}, 6},
		{"reviewer ben everywhere", store.ReviewItemQuery{ReviewerID: "ben"}, 5},
		{"undecided", store.ReviewItemQuery{CampaignID: c.ID, Decision: &undecided}, 9},
		{"certified", store.ReviewItemQuery{CampaignID: c.ID, Decision: &certify}, 1},
		{"pending", store.ReviewItemQuery{CampaignID: c.ID, States: []store.ReviewItemState{store.ItemPending}}, 9},
		{"stage 0", store.ReviewItemQuery{CampaignID: c.ID, Stage: &zero}, 10},
		{"page", store.ReviewItemQuery{CampaignID: c.ID, AfterID: items[7].ID}, 2},
		{"limit", store.ReviewItemQuery{CampaignID: c.ID, Limit: 3}, 3},
		{"grant", store.ReviewItemQuery{GrantID: "g0"}, 2},
	} {
		got, err := s.ListReviewItems(t.Context(), tc.q)
		must(t, tc.name, err)
		if len(got) != tc.want {
			t.Errorf("%s: %d items, want %d", tc.name, len(got), tc.want)
		}
	}
	loads, err := s.ListReviewerLoads(t.Context(), c.ID, 0)
	must(t, "loads", err)
	same(t, "loads", loads, []store.ReviewerLoad{{ReviewerID: "ben", Pending: 4}, {ReviewerID: "dee", Pending: 5}})
}

func testReviewItemConcurrent(t *testing.T, s store.Store) {
	c := newCampaign(t, s, "quarterly", "q4")
	items, err := s.CreateReviewItems(t.Context(), []store.ReviewItem{reviewItem(c, "g1", "ana", "ben")})
	must(t, "create", err)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.UpdateReviewItem(t.Context(), items[0].ID, func(it store.ReviewItem) (store.ReviewItem, error) {
				it.Reassigned++
				return it, nil
			}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, err := s.GetReviewItem(t.Context(), items[0].ID)
	must(t, "get", err)
	if got.Reassigned != 8 || got.Version != 9 {
		t.Fatalf("lost updates: %+v", got)
	}
}

func testReviewCounts(t *testing.T, s store.Store) {
	c := newCampaign(t, s, "quarterly", "q4")
	var batch []store.ReviewItem
	for i := range 6 {
		batch = append(batch, reviewItem(c, "g"+itoa(i), "h"+itoa(i), "ben"))
	}
	items, err := s.CreateReviewItems(t.Context(), batch)
	must(t, "create", err)
	set := func(i int, fn func(*store.ReviewItem)) {
		_, err := s.UpdateReviewItem(t.Context(), items[i].ID, func(it store.ReviewItem) (store.ReviewItem, error) {
			fn(&it)
			return it, nil
		})
		must(t, "update", err)
	}
	set(0, func(it *store.ReviewItem) { it.Decision, it.State = store.DecisionCertify, store.ItemDecided })
	set(1, func(it *store.ReviewItem) {
		it.Decision, it.State, it.Remediation.State = store.DecisionRevoke, store.ItemDecided, store.RemediationVerified
	})
	set(2, func(it *store.ReviewItem) {
		it.Decision, it.State, it.Defaulted, it.Remediation.State = store.DecisionRevoke, store.ItemDecided, true, store.RemediationRequested
	})
	set(3, func(it *store.ReviewItem) { it.Escalated, it.State, it.Reassigned = true, store.ItemEscalated, 1 })
	set(4, func(it *store.ReviewItem) { it.Stage = 1 })
	got, err := s.CountReviewItems(t.Context(), c.ID)
	must(t, "count", err)
	same(t, "counts", got, store.ReviewCounts{
		Total: 6, Certified: 1, Revoked: 2, Reassigned: 1, Undecided: 3, Defaulted: 1, Escalated: 1,
		ByStage:     map[int]store.StageCounts{0: {Total: 5, Certified: 1, Revoked: 2, Undecided: 2}, 1: {Total: 1, Undecided: 1}},
		Remediation: map[store.RemediationState]int{store.RemediationVerified: 1, store.RemediationRequested: 1},
	})
}

func testReviewDecisions(t *testing.T, s store.Store) {
	c := newCampaign(t, s, "quarterly", "q4")
	items, err := s.CreateReviewItems(t.Context(), []store.ReviewItem{reviewItem(c, "g1", "ana", "ben"), reviewItem(c, "g2", "cyd", "ben")})
	must(t, "create", err)
	d1, err := s.CreateReviewDecision(t.Context(), store.ReviewDecision{
		ItemID: items[0].ID, CampaignID: c.ID, Decision: store.DecisionReassign, ReviewerID: "ben", Issuer: "https://idp",
		Subject: "sub-ben", Justification: "not my team", RecommendationShown: "keep", ReasonShown: "justified",
		ReassignTo: "dee", PreviousReviewerIDs: []string{"ben"}, CreatedAt: at(time.Hour),
	})
	must(t, "reassign", err)
	d2, err := s.CreateReviewDecision(t.Context(), store.ReviewDecision{ItemID: items[0].ID, CampaignID: c.ID, Decision: store.DecisionRevoke, ReviewerID: "dee", Justification: "unused"})
	must(t, "revoke", err)
	d3, err := s.CreateReviewDecision(t.Context(), store.ReviewDecision{ItemID: items[1].ID, CampaignID: c.ID, Decision: store.DecisionCertify, ReviewerID: "system", Defaulted: true})
	must(t, "default", err)
	_, err = s.CreateReviewDecision(t.Context(), store.ReviewDecision{ItemID: items[1].ID, CampaignID: c.ID, Decision: "maybe", ReviewerID: "ben"})
	if err == nil {
		t.Fatal("an unknown decision was stored")
	}
	got, err := s.ListReviewDecisions(t.Context(), "", items[0].ID, 0, 0)
	must(t, "by item", err)
	same(t, "by item", got, []store.ReviewDecision{d1, d2})
	got, err = s.ListReviewDecisions(t.Context(), c.ID, 0, d1.ID, 0)
	must(t, "by campaign", err)
	same(t, "by campaign after", got, []store.ReviewDecision{d2, d3})
}

func testScanGrants(t *testing.T, s store.Store) {
	a, _, _ := accessPeople(t, s)
	var ids []string
	for i := range 5 {
		g, err := s.CreateGrant(t.Context(), store.Grant{ItemID: "x" + itoa(i), HolderID: a.ID, Assurance: "approved", Start: at(0), End: at(time.Hour), State: store.GrantActive})
		must(t, "grant", err)
		ids = append(ids, g.ID)
	}
	_, err := s.UpdateGrant(t.Context(), ids[2], func(g store.Grant) (store.Grant, error) {
		g.State = store.GrantRevoked
		return g, nil
	})
	must(t, "revoke", err)
	var seen []string
	after := ""
	for {
		page, err := s.ScanGrants(t.Context(), store.GrantScan{AfterID: after, States: []store.GrantState{store.GrantActive}, Limit: 2})
		must(t, "scan", err)
		if len(page) == 0 {
			break
		}
		for _, g := range page {
			seen = append(seen, g.ID)
		}
		after = page[len(page)-1].ID
	}
	same(t, "scanned", seen, []string{ids[0], ids[1], ids[3], ids[4]})
}

func testReviewReads(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b, c := accessPeople(t, s)
	for _, jf := range []struct{ p, f string }{{a.ID, "analyst"}, {b.ID, "analyst"}, {b.ID, "oncall"}, {c.ID, "sales"}} {
		_, err := s.OpenJobFunction(ctx, store.JobFunctionAssignment{PersonID: jf.p, JobFunction: jf.f, ValidFrom: at(0)})
		must(t, "open "+jf.f, err)
	}
	ps, err := s.ListPersonsByID(ctx, []string{a.ID, c.ID, "nobody"})
	must(t, "persons", err)
	if len(ps) != 2 {
		t.Fatalf("persons by id: %+v", ps)
	}
	jfs, err := s.ListOpenJobFunctionsOf(ctx, []string{a.ID, b.ID})
	must(t, "job functions", err)
	same(t, "job functions", jfs, map[string][]string{a.ID: {"analyst"}, b.ID: {"analyst", "oncall"}})
	for _, h := range []string{a.ID, c.ID} {
		_, err := s.CreateGrant(ctx, store.Grant{ItemID: "reports", HolderID: h, Assurance: "approved", Start: at(0), End: at(time.Hour), State: store.GrantActive})
		must(t, "grant", err)
	}
	pc, err := s.CountPeers(ctx)
	must(t, "peers", err)
	same(t, "peers", pc, store.PeerCounts{
		Persons: map[string]int{"analyst": 2, "oncall": 1, "sales": 1},
		Holders: map[string]map[string]int{"analyst": {"reports": 1}, "sales": {"reports": 1}},
	})
	e1, err := s.CreateMoverEvent(ctx, store.MoverEvent{PersonID: a.ID, Old: []string{"analyst"}, New: []string{"sales"}, Cause: "title", OccurredAt: at(0)})
	must(t, "mover", err)
	e2, err := s.CreateMoverEvent(ctx, store.MoverEvent{PersonID: b.ID, Old: []string{"sales"}, New: []string{"analyst"}, Cause: "title", OccurredAt: at(0)})
	must(t, "mover", err)
	evs, err := s.ListMoverEventsAfter(ctx, e1.ID, 0)
	must(t, "movers after", err)
	if len(evs) != 1 || evs[0].ID != e2.ID || evs[0].New[0] != "analyst" {
		t.Fatalf("movers after: %+v", evs)
	}
}
