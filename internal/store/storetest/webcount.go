package storetest

import (
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var webCountTests = []test{
	{"pending approvals count what the approver list shows", testCountPendingApprovals},
	{"open review items count the current stage of active campaigns", testCountOpenReviewItems},
}

func testCountPendingApprovals(t *testing.T, s store.Store) {
	a, b, c := accessPeople(t, s)
	for range 3 {
		_, err := s.CreateRequest(t.Context(), pendingRequest(a, b, c))
		must(t, "create pending", err)
	}
	done := pendingRequest(a, b, c)
	done.State = store.RequestDenied
	_, err := s.CreateRequest(t.Context(), done)
	must(t, "create denied", err)
	for _, tc := range []struct {
		who  string
		want int
	}{{b.ID, 3}, {c.ID, 0}, {a.ID, 0}, {"", 0}, {"%", 0}} {
		n, err := s.CountPendingApprovals(t.Context(), tc.who)
		must(t, "count", err)
		if n != tc.want {
			t.Errorf("count for %q: %d, want %d", tc.who, n, tc.want)
		}
		if tc.who == "" {
			continue
		}
		listed, err := s.ListRequests(t.Context(), store.RequestQuery{Approver: tc.who, Limit: 100})
		must(t, "list", err)
		if len(listed) != n {
			t.Errorf("count for %q: %d, list has %d", tc.who, n, len(listed))
		}
	}
}

func testCountOpenReviewItems(t *testing.T, s store.Store) {
	active := newCampaign(t, s, "quarterly", "q4")
	_, err := s.UpdateCampaign(t.Context(), active.ID, func(c store.Campaign) (store.Campaign, error) {
		c.State = store.CampaignActive
		return c, nil
	})
	must(t, "activate", err)
	generating := newCampaign(t, s, "quarterly", "q3")
	items, err := s.CreateReviewItems(t.Context(), []store.ReviewItem{
		reviewItem(active, "g1", "ana", "ben"),        // counts for ben
		reviewItem(active, "g2", "cyd", "ben", "dee"), // counts for ben and dee
		reviewItem(active, "g3", "eve", "ben"),        // decided below
		reviewItem(active, "g4", "fay", "ben"),        // next stage below
		reviewItem(active, "g5", "ben", "dee"),        // ben holds it
		reviewItem(generating, "g6", "gus", "ben"),    // campaign not active
	})
	must(t, "create items", err)
	decided := at(time.Hour)
	_, err = s.UpdateReviewItem(t.Context(), items[2].ID, func(it store.ReviewItem) (store.ReviewItem, error) {
		it.Decision, it.State, it.DecidedBy, it.DecidedAt = store.DecisionCertify, store.ItemDecided, "ben", &decided
		return it, nil
	})
	must(t, "decide", err)
	_, err = s.UpdateReviewItem(t.Context(), items[3].ID, func(it store.ReviewItem) (store.ReviewItem, error) {
		it.Stage = 1
		return it, nil
	})
	must(t, "advance", err)
	for who, want := range map[string]int{"ben": 2, "dee": 2, "ana": 0, "": 0} {
		n, err := s.CountOpenReviewItems(t.Context(), who)
		must(t, "count", err)
		if n != want {
			t.Errorf("open items of %q: %d, want %d", who, n, want)
		}
	}
}
