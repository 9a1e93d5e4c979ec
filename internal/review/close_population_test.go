package review_test

import (
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
)

// TestClosePopulationExactlyOnce: two processes (separate pools on one
// database) close the same campaign at once, by hand or by its deadline
// through Tick: the population at close is evaluated and stored exactly
// once, with one audit event, and holds every grant in scope then.
func TestClosePopulationExactlyOnce(t *testing.T) {
	for _, driver := range []string{gormstore.DriverSQLite, gormstore.DriverPostgres} {
		for _, how := range []string{"close", "deadline"} {
			t.Run(driver+"/"+how, func(t *testing.T) {
				dsn, st := freshShared(t, driver)
				clk := newClock()
				ids := population(t, st, clk, 60)
				cat := testCatalog(ids)
				def := quarterly()
				def.Scope, def.Schedule = `grant.item == "wiki"`, review.Schedule{}
				c, err := newService(t, st, cat, clk, def).Start(t.Context(), def.Name, "test", review.StartOptions{})
				must(t, "start", err)
				if c.Generated != 30 {
					t.Fatalf("generated %d, want 30", c.Generated)
				}
				// After launch, before the close: one more wiki grant.
				grant(t, st, "wiki", ids["dana"], store.AssuranceApproved, clk.Now())
				if how == "deadline" {
					clk.Add(15 * 24 * time.Hour)
				}
				var wg sync.WaitGroup
				for r := range 2 {
					svc := newService(t, openShared(t, driver, dsn), cat, clk, def)
					wg.Add(1)
					go func() {
						defer wg.Done()
						var err error
						if how == "close" {
							_, err = svc.Close(t.Context(), c.ID, "test")
						} else {
							err = svc.Tick(t.Context())
						}
						if err != nil {
							t.Errorf("replica %d: %v", r, err)
						}
					}()
				}
				wg.Wait()
				c, err = st.GetCampaign(t.Context(), c.ID)
				must(t, "campaign", err)
				if c.State != store.CampaignClosed {
					t.Fatalf("campaign %s, want closed", c.State)
				}
				ev, err := st.GetCloseEvaluation(t.Context(), c.ID)
				must(t, "evaluation", err)
				if !ev.EvaluatedAt.Equal(*c.ClosedAt) || ev.Scope != def.Scope || ev.Rows != 31 {
					t.Fatalf("evaluation %+v, want 31 rows at %s", ev, c.ClosedAt)
				}
				rows, err := st.ListClosePopulation(t.Context(), c.ID, 0, 1000)
				must(t, "rows", err)
				seen := map[string]bool{}
				notReviewed := 0
				for i, r := range rows {
					if r.Seq != int64(i+1) || seen[r.GrantID] || r.ItemID != "wiki" || !r.InScope {
						t.Fatalf("row %d: %+v", i, r)
					}
					seen[r.GrantID] = true
					if r.ReviewItemID == 0 {
						notReviewed++
					}
				}
				if len(rows) != 31 || notReviewed != 1 {
					t.Fatalf("%d rows, %d not reviewed; want 31 and 1", len(rows), notReviewed)
				}
				evs, err := st.ListAuditByAction(t.Context(), 0, []string{audit.ActionCampaignPopulationEvaluated}, 10)
				must(t, "audit", err)
				if len(evs) != 1 || evs[0].Target != "campaign:"+c.ID {
					t.Fatalf("%d population audit events, want 1: %+v", len(evs), evs)
				}
			})
		}
	}
}
