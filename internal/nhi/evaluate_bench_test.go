package nhi_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// BenchmarkEvaluate measures orphan evaluation over 50,000 NHIs and
// 100,000 people. The first evaluation (every finding and task created) is
// reported as first-s and its peak heap as peak-heap-MB; ns/op is a
// steady-state evaluation (nothing changed). Run with:
//
//	go test -run '^$' -bench Evaluate -benchtime 3x ./internal/nhi/
//
// with SYNCD_TEST_POSTGRES_DSN set for the PostgreSQL figures.
func BenchmarkEvaluate(b *testing.B) {
	const persons, nhis = 100_000, 50_000
	for _, driver := range gormtest.Drivers {
		b.Run(driver, func(b *testing.B) {
			var st store.Store
			if driver == "sqlite" {
				st = gormtest.SQLite(b)
			} else {
				st = gormtest.Postgres(b)
			}
			seed(b, st, persons, nhis)
			svc := &nhi.Service{Store: st, Now: func() time.Time { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) },
				Policy:      nhi.Policy{Thresholds: []nhi.Threshold{{Kind: store.KindAPIKey, Environment: "prod", RotateEvery: 90 * 24 * time.Hour, UnusedAfter: 30 * 24 * time.Hour}, {RotateEvery: 365 * 24 * time.Hour}}},
				Remediation: nhi.Remediation{Deadline: 14 * 24 * time.Hour, FallbackTeam: "security"}}
			runtime.GC()
			var first nhi.Summary
			var err error
			cpu0 := cpuTime()
			peak := peakHeap(func() { first, err = svc.Evaluate(b.Context()) })
			firstCPU := cpuTime() - cpu0
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			cpu0 = cpuTime()
			for b.Loop() {
				sum, err := svc.Evaluate(b.Context())
				if err != nil {
					b.Fatal(err)
				}
				if sum.Opened+sum.Resolved+sum.TasksCreated != 0 {
					b.Fatalf("steady state changed things: %+v", sum)
				}
			}
			steadyCPU := (cpuTime() - cpu0) / time.Duration(b.N)
			// After the loop: ResetTimer (which b.Loop calls) drops metrics.
			// CPU seconds are this process's (user+system), so they stay
			// meaningful on a loaded machine; PostgreSQL's own CPU is not in
			// them.
			b.ReportMetric(firstCPU.Seconds(), "first-cpu-s")
			b.ReportMetric(steadyCPU.Seconds(), "cpu-s/op")
			b.ReportMetric(first.Duration.Seconds(), "first-s")
			b.ReportMetric(float64(peak)/(1<<20), "first-peak-heap-MB")
			b.ReportMetric(float64(first.Opened), "findings")
			b.ReportMetric(float64(first.TasksCreated), "tasks")
		})
	}
}

// cpuTime is the CPU time this process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakHeap runs fn and returns the highest heap in use (live and not yet
// collected objects) seen while it ran, sampled every 10 ms through
// runtime/metrics, which does not stop the world.
func peakHeap(fn func()) uint64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(done)
	return peak.Load()
}

// seed writes persons (5% disabled or terminated, each with a manager)
// and NHIs (10% without owner, 2% with a dangling reference, some in
// ended projects, expired or unrotated), in transactions of 5,000.
func seed(b *testing.B, st store.Store, persons, nhis int) {
	b.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	ids := make([]string, 0, persons)
	base := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for start := 0; start < persons; start += 5000 {
		err := st.InTx(ctx, func(tx store.Tx) error {
			for i := start; i < min(start+5000, persons); i++ {
				p := store.Person{UserName: fmt.Sprintf("user%06d", i), Email: fmt.Sprintf("user%06d@example.com", i), Status: store.StatusActive}
				if i > 0 {
					p.ManagerID = ids[rng.IntN(len(ids))]
				}
				switch r := rng.IntN(100); {
				case r < 3:
					p.Status = store.StatusDisabled
				case r < 5:
					p.Status = store.StatusTerminated
				}
				p, err := tx.CreatePerson(ctx, p)
				if err != nil {
					return err
				}
				ids = append(ids, p.ID)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	var projects []string
	for i := range 200 {
		end := base.AddDate(0, 0, 30-rng.IntN(300))
		p, err := st.CreateProject(ctx, store.Project{Name: fmt.Sprintf("project-%03d", i), OwnerID: ids[rng.IntN(len(ids))], EndDate: &end})
		if err != nil {
			b.Fatal(err)
		}
		projects = append(projects, p.ID)
	}
	kinds := []store.NHIKind{store.KindServiceAccount, store.KindAPIKey, store.KindCertificate, store.KindToken, store.KindWorkload}
	envs := []string{"prod", "staging", "dev"}
	for start := 0; start < nhis; start += 5000 {
		err := st.InTx(ctx, func(tx store.Tx) error {
			for i := start; i < min(start+5000, nhis); i++ {
				n := store.NHI{Kind: kinds[i%len(kinds)], Name: fmt.Sprintf("nhi-%06d", i), Source: "ldap", Environment: envs[i%len(envs)],
					OwnerID: ids[rng.IntN(len(ids))], CreatedAt: base.AddDate(0, 0, -rng.IntN(400))}
				switch r := rng.IntN(100); {
				case r < 10:
					n.OwnerID = ""
				case r < 12:
					n.OwnerID, n.OwnerRef = "", fmt.Sprintf("uid=gone%d,ou=people", i)
				}
				if rng.IntN(4) == 0 {
					n.ProjectID = projects[rng.IntN(len(projects))]
				}
				if rng.IntN(10) == 0 {
					e := base.AddDate(0, 0, 60-rng.IntN(120))
					n.ExpiresAt = &e
				}
				if rng.IntN(2) == 0 {
					r := base.AddDate(0, 0, -rng.IntN(500))
					n.RotatedAt = &r
					u := base.AddDate(0, 0, -rng.IntN(60))
					n.LastUsedAt = &u
				}
				if _, err := tx.CreateNHI(ctx, n); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
