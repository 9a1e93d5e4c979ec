package review_test

import (
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestReviewNotices: starting a campaign records one review.assigned
// notice per reviewer (with their item count), not one per item; an
// escalation records review.escalated for the escalation reviewer, once.
func TestReviewNotices(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		clk := newClock()
		ids := loadOrg(t, identityService(t, st, clk.Now), smallOrg)
		cat := testCatalog(ids)
		grant(t, st, "wiki", ids["dana"], store.AssuranceApproved, clk.Now().Add(-time.Hour)) // olga reviews
		grant(t, st, "wiki", ids["sam"], store.AssuranceApproved, clk.Now().Add(-time.Hour))  // mia reviews
		def := quarterly()
		def.Schedule = review.Schedule{}
		def.Escalation = review.Escalation{After: 5 * 24 * time.Hour, To: []string{"person:eve"}, Mode: "add"}
		svc := newService(t, st, cat, clk, def)
		c, err := svc.Start(ctx, def.Name, "test", review.StartOptions{})
		must(t, "start", err)
		must(t, "tick", svc.Tick(ctx))
		notices := func(login, kind string) []store.Notification {
			ns, err := st.ListNotifications(ctx, ids[login], false)
			must(t, "notifications", err)
			var out []store.Notification
			for _, n := range ns {
				if n.Kind == kind {
					out = append(out, n)
				}
			}
			return out
		}
		for _, who := range []string{"olga", "mia"} {
			ns := notices(who, "review.assigned")
			if len(ns) != 1 || ns[0].Subject != "campaign:"+c.ID || !strings.Contains(ns[0].Message, "1 item(s) wait for your decision") {
				t.Fatalf("%s's assignment notices: %+v", who, ns)
			}
		}
		if ns := notices("eve", "review.assigned"); len(ns) != 0 {
			t.Fatalf("eve has nothing to review yet: %+v", ns)
		}
		clk.Add(5*24*time.Hour + time.Hour)
		must(t, "tick", svc.Tick(ctx))
		must(t, "tick", svc.Tick(ctx))
		if ns := notices("eve", "review.escalated"); len(ns) != 2 || ns[0].Subject != "campaign:"+c.ID {
			t.Fatalf("eve's escalation notices: %+v", ns)
		}
		if ns := notices("mia", "review.escalated"); len(ns) != 0 {
			t.Fatalf("mia was not escalated to: %+v", ns)
		}
	})
}
