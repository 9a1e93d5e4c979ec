package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var reviewBulkTests = []test{
	{"set update writes every item and the reviewer index", testReviewSetUpdate},
	{"set update is version-checked", testReviewSetUpdateConflict},
	{"set update refuses a holder as reviewer", testReviewSetUpdateSelfReview},
	{"decisions in a batch", testReviewDecisionsBatch},
}

func versions(items []store.ReviewItem) []store.ReviewItemVersion {
	out := make([]store.ReviewItemVersion, len(items))
	for i, it := range items {
		out[i] = store.ReviewItemVersion{ID: it.ID, Version: it.Version}
	}
	return out
}

func testReviewSetUpdate(t *testing.T, s store.Store) {
	c := newCampaign(t, s, "quarterly", "q4")
	var batch []store.ReviewItem
	for i := range 1203 { // more than one chunk
		batch = append(batch, reviewItem(c, "g"+itoa(i), "h"+itoa(i), "ben"))
	}
	items, err := s.CreateReviewItems(t.Context(), batch)
	must(t, "create", err)
	decided := at(time.Hour)
	must(t, "default", s.UpdateReviewItemsSet(t.Context(), versions(items[:1000]), store.ReviewItemChange{
		State: store.ItemFinal, Default: &store.ReviewDefault{Decision: store.DecisionRevoke, Justification: "non-response default: revoke", DecidedBy: "system", At: decided},
		Remediation: &store.Remediation{State: store.RemediationRequested, RequestedAt: &decided, VerifySource: "corp-ldap"},
	}))
	next, reviewers := 1, []string{"cyd", "dee"}
	must(t, "advance", s.UpdateReviewItemsSet(t.Context(), versions(items[1000:]), store.ReviewItemChange{
		Stage: &next, State: store.ItemPending, Reviewers: &reviewers, Route: "item-owner", ClearDecision: true,
	}))

	got, err := s.GetReviewItem(t.Context(), items[999].ID)
	must(t, "get", err)
	if got.State != store.ItemFinal || got.Decision != store.DecisionRevoke || !got.Defaulted || got.DecidedBy != "system" ||
		got.DecidedAt == nil || got.DecidedAt.Sub(decided).Abs() > time.Millisecond || got.Version != items[999].Version+1 ||
		got.Remediation.State != store.RemediationRequested || got.Remediation.VerifySource != "corp-ldap" ||
		!slices.Equal(got.ReviewerIDs, []string{"ben"}) || got.Snapshot.ItemName != "Reports" {
		t.Fatalf("defaulted item: %+v", got)
	}
	got, err = s.GetReviewItem(t.Context(), items[1202].ID)
	must(t, "get", err)
	if got.Stage != 1 || got.State != store.ItemPending || got.Decision != "" || got.Route != "item-owner" ||
		!slices.Equal(got.ReviewerIDs, reviewers) || got.Version != items[1202].Version+1 {
		t.Fatalf("advanced item: %+v", got)
	}
	for _, who := range []string{"ben", "cyd"} {
		mine, err := s.ListReviewItems(t.Context(), store.ReviewItemQuery{CampaignID: c.ID, ReviewerID: who, Limit: 2000})
		must(t, "by reviewer", err)
		want := map[string]int{"ben": 1000, "cyd": 203}[who]
		if len(mine) != want {
			t.Fatalf("%s reviews %d items, want %d", who, len(mine), want)
		}
	}
	counts, err := s.CountReviewItems(t.Context(), c.ID)
	must(t, "count", err)
	if counts.Revoked != 1000 || counts.Defaulted != 1000 || counts.Remediation[store.RemediationRequested] != 1000 {
		t.Fatalf("counts %+v", counts)
	}
}

func testReviewSetUpdateConflict(t *testing.T, s store.Store) {
	c := newCampaign(t, s, "quarterly", "q4")
	items, err := s.CreateReviewItems(t.Context(), []store.ReviewItem{reviewItem(c, "g1", "ana", "ben"), reviewItem(c, "g2", "cyd", "ben")})
	must(t, "create", err)
	// A reviewer decides the second item after the set was planned.
	_, err = s.UpdateReviewItem(t.Context(), items[1].ID, func(it store.ReviewItem) (store.ReviewItem, error) {
		it.Decision, it.State = store.DecisionCertify, store.ItemDecided
		return it, nil
	})
	must(t, "decide", err)
	err = s.InTx(t.Context(), func(tx store.Tx) error {
		return tx.UpdateReviewItemsSet(t.Context(), versions(items), store.ReviewItemChange{State: store.ItemFinal,
			Default: &store.ReviewDefault{Decision: store.DecisionRevoke, DecidedBy: "system", At: at(time.Hour)}})
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale set update: %v, want ErrConflict", err)
	}
	for i, it := range items {
		got, err := s.GetReviewItem(t.Context(), it.ID)
		must(t, "get", err)
		if got.Defaulted || got.State == store.ItemFinal {
			t.Fatalf("item %d written by a rolled-back set update: %+v", i, got)
		}
	}
}

func testReviewSetUpdateSelfReview(t *testing.T, s store.Store) {
	c := newCampaign(t, s, "quarterly", "q4")
	items, err := s.CreateReviewItems(t.Context(), []store.ReviewItem{reviewItem(c, "g1", "ana", "ben"), reviewItem(c, "g2", "cyd", "ben")})
	must(t, "create", err)
	reviewers := []string{"dee", "cyd"}
	err = s.InTx(t.Context(), func(tx store.Tx) error {
		return tx.UpdateReviewItemsSet(t.Context(), versions(items), store.ReviewItemChange{Reviewers: &reviewers, Route: "group"})
	})
	if err == nil {
		t.Fatal("cyd was made a reviewer of their own grant")
	}
	got, err := s.GetReviewItem(t.Context(), items[1].ID)
	must(t, "get", err)
	if !slices.Equal(got.ReviewerIDs, []string{"ben"}) {
		t.Fatalf("reviewers changed: %v", got.ReviewerIDs)
	}
}

func testReviewDecisionsBatch(t *testing.T, s store.Store) {
	c := newCampaign(t, s, "quarterly", "q4")
	items, err := s.CreateReviewItems(t.Context(), []store.ReviewItem{reviewItem(c, "g1", "ana", "ben"), reviewItem(c, "g2", "cyd", "ben")})
	must(t, "create", err)
	var ds []store.ReviewDecision
	for _, it := range items {
		ds = append(ds, store.ReviewDecision{ItemID: it.ID, CampaignID: c.ID, Decision: store.DecisionRevoke, ReviewerID: "system",
			Justification: "non-response default: revoke", Defaulted: true, PreviousReviewerIDs: []string{"ben"}, CreatedAt: at(time.Hour)})
	}
	must(t, "create decisions", s.CreateReviewDecisions(t.Context(), ds))
	got, err := s.ListReviewDecisions(t.Context(), c.ID, 0, 0, 10)
	must(t, "list", err)
	if len(got) != 2 || got[1].ItemID != items[1].ID || !got[1].Defaulted || !slices.Equal(got[1].PreviousReviewerIDs, []string{"ben"}) {
		t.Fatalf("decisions %+v", got)
	}
	if err := s.CreateReviewDecisions(t.Context(), []store.ReviewDecision{{ItemID: items[0].ID, CampaignID: c.ID, Decision: "maybe", ReviewerID: "x"}}); err == nil {
		t.Fatal("invalid decision stored")
	}
}
