package jobs_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/jobs"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestDowntimeRunsOnceForTheMissedSpan: a daemon that was down for five
// periods runs the job once when it starts again (the current period,
// due at once), not once per missed period.
func TestDowntimeRunsOnceForTheMissedSpan(t *testing.T) {
	st := gormtest.SQLite(t)
	var (
		mu   sync.Mutex
		now  = time.Date(2026, 5, 4, 12, 0, 30, 0, time.UTC)
		keys []string
	)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ran := func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), keys...) }
	newRunner := func() *jobs.Runner {
		r := &jobs.Runner{Store: st, Holder: "h", Now: clock, Poll: 10 * time.Millisecond, LeaseTTL: time.Minute, Grace: time.Second}
		r.Periodic("sweep", time.Minute, func(_ context.Context, run *jobs.Run) error {
			mu.Lock()
			keys = append(keys, run.Job.Key)
			mu.Unlock()
			return nil
		})
		return r
	}
	stop := start(t, newRunner())
	waitFor(t, "the first period's run", func() bool { return len(ran()) == 1 })
	stop()

	// Down for five periods and a half.
	mu.Lock()
	now = now.Add(5*time.Minute + 30*time.Second)
	mu.Unlock()
	stop = start(t, newRunner())
	waitFor(t, "the run after the restart", func() bool { return len(ran()) == 2 })
	stop()

	got := ran()
	want := []string{jobs.PeriodKey(time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC), time.Minute), jobs.PeriodKey(time.Date(2026, 5, 4, 12, 6, 0, 0, time.UTC), time.Minute)}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("runs %v, want %v", got, want)
	}
	rows, err := st.ListJobs(t.Context(), store.JobQuery{Kind: "sweep"})
	if err != nil || len(rows) != 2 {
		t.Fatalf("rows of the periodic kind: %v %+v", err, rows)
	}
}
