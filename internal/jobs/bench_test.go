package jobs_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/jobs"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// benchStores runs fn on SQLite and, when configured, PostgreSQL.
func benchStores(b *testing.B, fn func(b *testing.B, open func(b *testing.B) *gormstore.Store)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, func(b *testing.B) *gormstore.Store { return gormtest.SQLite(b) }) })
	b.Run("postgres", func(b *testing.B) { fn(b, func(b *testing.B) *gormstore.Store { return gormtest.Postgres(b) }) })
}

func enqueueN(b *testing.B, st store.Store, kind string, n int) {
	b.Helper()
	for i := range n {
		if _, _, err := jobs.Enqueue(b.Context(), st, jobs.Job{Kind: kind, Key: fmt.Sprint(i)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkThroughput: jobs per second through a runner of 4 workers
// (two runners of 4 on PostgreSQL, as two replicas), each job a fenced
// transaction that completes it (the exactly-once pattern).
func BenchmarkThroughput(b *testing.B) {
	benchStores(b, func(b *testing.B, open func(b *testing.B) *gormstore.Store) {
		st := open(b)
		const n = 2000
		replicas := 1
		if st.Driver() == gormstore.DriverPostgres {
			replicas = 2
		}
		b.ResetTimer()
		for range b.N {
			b.StopTimer()
			enqueueN(b, st, "work", n)
			var wg sync.WaitGroup
			done := make(chan struct{}, n)
			ctx, cancel := context.WithCancel(b.Context())
			for i := range replicas {
				r := &jobs.Runner{Store: st, Holder: fmt.Sprint("bench-", i), Workers: 4, Poll: 5 * time.Millisecond, LeaseTTL: 30 * time.Second}
				r.Handle("work", func(ctx context.Context, run *jobs.Run) error {
					err := st.InTx(ctx, func(tx store.Tx) error { return run.Complete(ctx, tx) })
					done <- struct{}{}
					return err
				})
				wg.Go(func() { _ = r.Run(ctx) })
			}
			b.StartTimer()
			start := time.Now()
			for range n {
				<-done
			}
			took := time.Since(start)
			b.StopTimer()
			cancel()
			wg.Wait()
			b.ReportMetric(float64(n)/took.Seconds(), "jobs/s")
			if _, err := st.DeleteFinishedJobs(b.Context(), time.Now().Add(time.Hour)); err != nil {
				b.Fatal(err)
			}
			// Keys are reused across iterations only after the prune.
			b.StartTimer()
		}
	})
}

// BenchmarkClaim: latency of one claim (ClaimJob) with 10,000 due jobs
// queued, GOMAXPROCS claimers at once (each claim released again, so
// the queue stays deep); reports p50 and p99.
func BenchmarkClaim(b *testing.B) {
	benchStores(b, func(b *testing.B, open func(b *testing.B) *gormstore.Store) {
		st := open(b)
		enqueueN(b, st, "work", 10000)
		var (
			mu  sync.Mutex
			lat []time.Duration
		)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			var mine []time.Duration
			for pb.Next() {
				t0 := time.Now()
				j, err := st.ClaimJob(context.Background(), []string{"work"}, "bench", time.Now(), time.Minute)
				mine = append(mine, time.Since(t0))
				if err != nil {
					b.Error(err)
					return
				}
				// Put it back, so the queue stays 10,000 deep.
				if err := st.ReleaseJob(context.Background(), store.JobLease{JobID: j.ID, Token: j.LeaseToken}, time.Now()); err != nil {
					b.Error(err)
					return
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
		b.StopTimer()
		slices.Sort(lat)
		if len(lat) > 0 {
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		}
	})
}

// BenchmarkShutdownUnderLoad: time from cancelling Run to its return
// while 8 workers are busy with 50 ms jobs and thousands are due; every
// running job finishes within the grace period and completes.
func BenchmarkShutdownUnderLoad(b *testing.B) {
	benchStores(b, func(b *testing.B, open func(b *testing.B) *gormstore.Store) {
		st := open(b)
		var total time.Duration
		for i := range b.N {
			b.StopTimer()
			for k := range 2000 {
				if _, _, err := jobs.Enqueue(b.Context(), st, jobs.Job{Kind: "work", Key: fmt.Sprint(i, "-", k)}); err != nil {
					b.Fatal(err)
				}
			}
			r := &jobs.Runner{Store: st, Holder: "bench", Workers: 8, Poll: 5 * time.Millisecond, Grace: 10 * time.Second}
			started := make(chan struct{}, 100000)
			r.Handle("work", func(ctx context.Context, run *jobs.Run) error {
				started <- struct{}{}
				time.Sleep(50 * time.Millisecond)
				return nil
			})
			ctx, cancel := context.WithCancel(b.Context())
			done := make(chan struct{})
			go func() { _ = r.Run(ctx); close(done) }()
			for range 16 { // two rounds of 8: all workers busy
				<-started
			}
			b.StartTimer()
			t0 := time.Now()
			cancel()
			<-done
			total += time.Since(t0)
			b.StopTimer()
			running, err := st.ListJobs(b.Context(), store.JobQuery{State: store.JobRunning})
			if err != nil || len(running) != 0 {
				b.Fatalf("after shutdown %d jobs still running (%v)", len(running), err)
			}
			b.StartTimer()
		}
		b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/shutdown")
	})
}
