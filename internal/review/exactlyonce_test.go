package review_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// openShared opens a second connection pool on the same database, as a
// second replica would.
func openShared(t testing.TB, driver, dsn string) *gormstore.Store {
	t.Helper()
	s, err := gormstore.Open(context.Background(), gormstore.Options{Driver: driver, DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func freshShared(t *testing.T, driver string) (string, *gormstore.Store) {
	t.Helper()
	dsn := gormtest.FreshDSN(t, driver)
	st := openShared(t, driver, dsn)
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return dsn, st
}

// population writes n grants of the wiki item over a few holders.
func population(t *testing.T, st store.Store, clk *clock, n int) map[string]string {
	t.Helper()
	ids := loadOrg(t, identityService(t, st, clk.Now), smallOrg)
	holders := []string{"dana", "fred", "sam", "devon", "pat"}
	for i := range n {
		grant(t, st, []string{"wiki", "finance-reports"}[i%2], ids[holders[i%len(holders)]], store.AssuranceApproved, clk.Now().Add(-time.Hour))
	}
	return ids
}

func checkExactlyOnce(t *testing.T, st store.Store, want int) store.Campaign {
	t.Helper()
	cs, err := st.ListCampaigns(t.Context(), store.CampaignQuery{})
	must(t, "campaigns", err)
	if len(cs) != 1 {
		t.Fatalf("%d campaigns, want exactly 1", len(cs))
	}
	c := cs[0]
	its := items(t, st, c.ID)
	seen := map[string]bool{}
	for _, it := range its {
		if seen[it.GrantID] {
			t.Fatalf("grant %s frozen twice", it.GrantID)
		}
		seen[it.GrantID] = true
	}
	if len(its) != want || c.Generated != want || c.State != store.CampaignActive {
		t.Fatalf("campaign %s with %d items (generated %d), want %d active", c.State, len(its), c.Generated, want)
	}
	return c
}

// TestGenerationExactlyOnceAcrossReplicas: two processes (separate pools
// on one database) tick at the same time for the same due period: one
// campaign, every grant frozen once.
func TestGenerationExactlyOnceAcrossReplicas(t *testing.T) {
	for _, driver := range []string{gormstore.DriverSQLite, gormstore.DriverPostgres} {
		t.Run(driver, func(t *testing.T) {
			dsn, st := freshShared(t, driver)
			clk := newClock()
			ids := population(t, st, clk, 300)
			cat := testCatalog(ids)
			def := quarterly()
			def.Scope = ""
			var wg sync.WaitGroup
			for r := range 2 {
				replica := openShared(t, driver, dsn)
				svc := newService(t, replica, cat, clk, def)
				svc.PageSize = 7 + r*6
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := svc.Tick(t.Context()); err != nil {
						t.Errorf("replica %d: %v", r, err)
					}
				}()
			}
			wg.Wait()
			checkExactlyOnce(t, st, 300)
		})
	}
}

// TestGenerationResumesAfterKill: a process generating a campaign is
// killed with SIGKILL after a few pages; the next tick (another process)
// resumes from the cursor and the population is frozen exactly once.
func TestGenerationResumesAfterKill(t *testing.T) {
	for _, driver := range []string{gormstore.DriverSQLite, gormstore.DriverPostgres} {
		t.Run(driver, func(t *testing.T) {
			dsn, st := freshShared(t, driver)
			clk := newClock()
			ids := population(t, st, clk, 400)
			cmd := exec.Command(os.Args[0], "-test.run=^TestGenerationChild$", "-test.v")
			cmd.Env = append(os.Environ(), "REVIEW_CHILD_DRIVER="+driver, "REVIEW_CHILD_DSN="+dsn, "REVIEW_CHILD_IDS="+ids["olga"]+","+ids["eve"])
			out, err := cmd.StdoutPipe()
			must(t, "pipe", err)
			must(t, "start child", cmd.Start())
			sc := bufio.NewScanner(out)
			pages := 0
			for sc.Scan() {
				if strings.HasPrefix(sc.Text(), "page ") {
					pages++
					if pages == 4 {
						break
					}
				}
			}
			if pages < 4 {
				_ = cmd.Wait()
				t.Fatalf("child ended after %d pages", pages)
			}
			must(t, "kill -9", cmd.Process.Signal(syscall.SIGKILL))
			_ = cmd.Wait()
			cs, err := st.ListCampaigns(t.Context(), store.CampaignQuery{})
			must(t, "campaigns", err)
			if len(cs) != 1 || cs[0].State != store.CampaignGenerating || cs[0].Generated == 0 || cs[0].Generated >= 400 {
				t.Fatalf("after the kill: %+v", cs)
			}
			def := quarterly()
			def.Scope, def.Schedule = "", review.Schedule{} // by hand only: the tick resumes, starts nothing
			svc := newService(t, st, testCatalog(ids), clk, def)
			must(t, "resume", svc.Tick(t.Context()))
			checkExactlyOnce(t, st, 400)
		})
	}
}

// TestGenerationChild is the process TestGenerationResumesAfterKill kills.
func TestGenerationChild(t *testing.T) {
	driver := os.Getenv("REVIEW_CHILD_DRIVER")
	if driver == "" {
		t.Skip("run by TestGenerationResumesAfterKill")
	}
	st := openShared(t, driver, os.Getenv("REVIEW_CHILD_DSN"))
	parts := strings.Split(os.Getenv("REVIEW_CHILD_IDS"), ",")
	cat := testCatalog(map[string]string{"olga": parts[0], "eve": parts[1]})
	clk := newClock()
	def := quarterly()
	def.Scope, def.Schedule = "", review.Schedule{}
	svc := newService(t, st, cat, clk, def)
	svc.PageSize = 10
	_, err := svc.Start(context.Background(), def.Name, "child", review.StartOptions{Progress: func(n int) {
		fmt.Printf("page %d\n", n)
		time.Sleep(100 * time.Millisecond)
	}})
	if err != nil {
		t.Fatal(err)
	}
}
