package gormstore_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// BenchmarkNavigationReviewCount compares the navigation's count of a
// reviewer's open items as one count query with what the web UI did
// before: list every open item page by page and count the undecided.
// 5,000 items of which the reviewer has 2,000 (half decided).
func BenchmarkNavigationReviewCount(b *testing.B) {
	for _, db := range []struct {
		name string
		open func(testing.TB) *gormstore.Store
	}{{"sqlite", gormtest.SQLite}, {"postgres", gormtest.Postgres}} {
		b.Run(db.name, func(b *testing.B) { benchReviewCount(b, db.open(b)) })
	}
}

func benchReviewCount(b *testing.B, st *gormstore.Store) {
	{
		ctx := b.Context()
		now := time.Now().UTC()
		c, err := st.CreateCampaign(ctx, store.Campaign{Definition: "bench", Period: "p", Kind: store.CampaignGrants, Stages: 1,
			StartedAt: now, StageDueAt: now.Add(time.Hour), DueAt: now.Add(time.Hour)})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.UpdateCampaign(ctx, c.ID, func(c store.Campaign) (store.Campaign, error) { c.State = store.CampaignActive; return c, nil }); err != nil {
			b.Fatal(err)
		}
		var items []store.ReviewItem
		for i := range 5000 {
			reviewer := "other-" + strconv.Itoa(i%7)
			if i%5 < 2 {
				reviewer = "rev"
			}
			it := store.ReviewItem{CampaignID: c.ID, GrantID: "g" + strconv.Itoa(i), HolderID: "h" + strconv.Itoa(i), ItemID: "x",
				ReviewerIDs: []string{reviewer}, Route: "manager", Recommendation: store.RecommendKeep, State: store.ItemPending}
			if i%2 == 0 {
				it.Decision, it.State, it.DecidedBy, it.DecidedAt = store.DecisionCertify, store.ItemDecided, reviewer, &now
			}
			items = append(items, it)
		}
		if _, err := st.CreateReviewItems(ctx, items); err != nil {
			b.Fatal(err)
		}
		want := 1000
		b.Run("count-query", func(b *testing.B) {
			for b.Loop() {
				if n, err := st.CountOpenReviewItems(ctx, "rev"); err != nil || n != want {
					b.Fatalf("%d %v", n, err)
				}
			}
		})
		b.Run("list-and-count", func(b *testing.B) {
			for b.Loop() {
				n := 0
				var after int64
				for {
					page, err := st.ListReviewItems(ctx, store.ReviewItemQuery{ReviewerID: "rev", AfterID: after, Limit: 500,
						States: []store.ReviewItemState{store.ItemPending, store.ItemDecided, store.ItemEscalated}})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := st.GetCampaign(ctx, c.ID); err != nil {
						b.Fatal(err)
					}
					for _, it := range page {
						if it.Decision == "" {
							n++
						}
					}
					if len(page) < 500 {
						break
					}
					after = page[len(page)-1].ID
				}
				if n != want {
					b.Fatalf("%d", n)
				}
			}
		})
	}
}
