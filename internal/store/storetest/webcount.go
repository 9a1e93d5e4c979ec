package storetest

import (
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var webCountTests = []test{
	{"pending approvals count what the approver list shows", testCountPendingApprovals},
	{"open review items count the current stage of active campaigns", testCountOpenReviewItems},
	{"decided items by UTC day", testCountDecidedByDay},
}

func testCountDecidedByDay(t *testing.T, s store.Store) {
	c := newCampaign(t, s, "quarterly", "q4")
	other := newCampaign(t, s, "quarterly", "q1")
	var batch []store.ReviewItem
	for i := range 6 {
		batch = append(batch, reviewItem(c, "g"+itoa(i), "h"+itoa(i), "ben"))
	}
	batch = append(batch, reviewItem(other, "x", "h", "ben"))
	items, err := s.CreateReviewItems(t.Context(), batch)
	must(t, "create", err)
	// 23:30 and 00:30 UTC fall on different days whatever the zone the
	// time was given in.
	east := time.FixedZone("east", 5*3600)
	day1 := time.Date(2026, 3, 14, 23, 30, 0, 0, time.UTC).In(east)
	day2 := day1.Add(time.Hour)
	for i, when := range []time.Time{day1, day1, day2, day2, day2, day2.Add(48 * time.Hour)} {
		if i == 5 {
			continue // item 5 stays undecided
		}
		_, err := s.UpdateReviewItem(t.Context(), items[i].ID, func(it store.ReviewItem) (store.ReviewItem, error) {
			it.Decision, it.State, it.DecidedBy, it.DecidedAt = store.DecisionCertify, store.ItemDecided, "ben", &when
			return it, nil
		})
		must(t, "decide", err)
	}
	_, err = s.UpdateReviewItem(t.Context(), items[6].ID, func(it store.ReviewItem) (store.ReviewItem, error) {
		it.Decision, it.State, it.DecidedBy, it.DecidedAt = store.DecisionRevoke, store.ItemDecided, "ben", &day1
		return it, nil
	})
	must(t, "decide other", err)
	got, err := s.CountDecidedByDay(t.Context(), c.ID)
	must(t, "count", err)
	want := []store.DayCount{{Day: time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC), N: 2}, {Day: time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC), N: 3}}
	if len(got) != len(want) {
		t.Fatalf("by day: %+v, want %+v", got, want)
	}
	for i := range want {
		if !got[i].Day.Equal(want[i].Day) || got[i].N != want[i].N {
			t.Fatalf("by day: %+v, want %+v", got, want)
		}
	}
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
