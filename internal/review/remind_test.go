package review_test

import (
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestRemindersAndEscalation: at each reminder offset only reviewers with
// undecided items are reminded, once; after the escalation delay the
// escalation reviewers are added to undecided items only.
func TestRemindersAndEscalation(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		clk := newClock()
		ids := loadOrg(t, identityService(t, st, clk.Now), smallOrg)
		cat := testCatalog(ids)
		grant(t, st, "wiki", ids["dana"], store.AssuranceApproved, clk.Now().Add(-time.Hour)) // olga reviews
		grant(t, st, "wiki", ids["sam"], store.AssuranceApproved, clk.Now().Add(-time.Hour))  // mia reviews
		def := quarterly()
		def.Schedule = review.Schedule{}
		def.Reminders = []time.Duration{72 * time.Hour, 24 * time.Hour}
		def.Escalation = review.Escalation{After: 5 * 24 * time.Hour, To: []string{"person:eve"}, Mode: "add"}
		svc := newService(t, st, cat, clk, def)
		c, err := svc.Start(ctx, def.Name, "test", review.StartOptions{})
		must(t, "start", err)
		var samItem store.ReviewItem
		for _, it := range items(t, st, c.ID) {
			if it.HolderID == ids["dana"] {
				_, err := svc.Decide(ctx, review.Actor{PersonID: ids["olga"]}, it.ID, review.Decision{Decision: store.DecisionCertify})
				must(t, "olga decides", err)
			} else {
				samItem = it
			}
		}
		count := func(login string) int {
			ns, err := st.ListNotifications(ctx, ids[login], false)
			must(t, "notifications", err)
			n := 0
			for _, x := range ns {
				if x.Kind == "review.reminder" {
					n++
				}
			}
			return n
		}
		must(t, "tick", svc.Tick(ctx)) // day 0: no reminder due
		if count("mia") != 0 {
			t.Fatal("reminded before the first offset")
		}
		clk.Add(11*24*time.Hour + time.Hour) // 71h before the deadline
		must(t, "tick", svc.Tick(ctx))
		must(t, "tick", svc.Tick(ctx))
		if count("mia") != 1 || count("olga") != 0 {
			t.Fatalf("reminders after the first offset: mia %d, olga %d (nothing left)", count("mia"), count("olga"))
		}
		clk.Add(48 * time.Hour) // 23h before
		must(t, "tick", svc.Tick(ctx))
		if count("mia") != 2 || count("olga") != 0 {
			t.Fatalf("reminders after the second offset: mia %d, olga %d", count("mia"), count("olga"))
		}
		got, err := st.GetReviewItem(ctx, samItem.ID)
		must(t, "item", err)
		// Escalation added eve to mia.
		if !got.Escalated || len(got.ReviewerIDs) != 2 {
			t.Fatalf("escalated item %+v", got)
		}
	})
}
