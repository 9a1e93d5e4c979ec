package scim_test

import (
	"fmt"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// benchStore is SQLite, or PostgreSQL with SCIM_BENCH_POSTGRES=1.
func benchStore(b *testing.B) *gormstore.Store {
	if os.Getenv("SCIM_BENCH_POSTGRES") != "" {
		return gormtest.Postgres(b)
	}
	return gormtest.SQLite(b)
}

// reportStatements reports the statements (round trips, BEGIN and COMMIT
// not counted) per request since from.
func reportStatements(b *testing.B, st *gormstore.Store, from int64) {
	b.ReportMetric(float64(st.Statements()-from)/float64(b.N), "stmts/op")
}

// reportAuditHold reports how long, on average and at most, transactions
// held the audit chain's head (from locking it to commit).
func reportAuditHold(b *testing.B, st *gormstore.Store) {
	if n, mean, longest := st.AuditLockHold(); n > 0 {
		b.ReportMetric(float64(mean.Microseconds()), "audit-hold-µs")
		b.ReportMetric(float64(longest.Microseconds()), "audit-hold-max-µs")
	}
}

// processCPU is the CPU time (user and system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the process's CPU time per request since from: on a
// machine shared with other work, wall time per request says more about
// the neighbours than about the request.
func reportCPU(b *testing.B, from time.Duration) {
	b.ReportMetric(float64((processCPU()-from).Microseconds())/float64(b.N), "cpu-µs/op")
}

// BenchmarkFilteredGet measures GET /Users?filter=userName eq "…" over
// 2,000 users, in process (the whole-process figure is
// bench/scim-speed.sh's).
func BenchmarkFilteredGet(b *testing.B) {
	st := benchStore(b)
	fs := newBenchServerOn(b, st)
	for i := 0; i < 2000; i++ {
		fs.do("POST", "/scim/v2/Users", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u%d@x.test"}`, i))
	}
	from, cpu := st.Statements(), processCPU()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		rec := fs.do("GET", "/scim/v2/Users?filter="+url.QueryEscape(fmt.Sprintf(`userName eq "u%d@x.test"`, i%2000)), "")
		if rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
	reportStatements(b, st, from)
	reportCPU(b, cpu)
}

// BenchmarkCreate measures POST /Users, in process.
func BenchmarkCreate(b *testing.B) {
	st := benchStore(b)
	fs := newBenchServerOn(b, st)
	from, cpu := st.Statements(), processCPU()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		rec := fs.do("POST", "/scim/v2/Users", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"c%d@x.test","displayName":"C %d","emails":[{"type":"work","value":"c%d@x.test"}]}`, i, i, i))
		if rec.Code != 201 {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
	reportStatements(b, st, from)
	reportCPU(b, cpu)
}

// BenchmarkListPage measures GET /Users?filter=displayName co "ab" with
// count=200 over 5,000 users of which a quarter match, in process.
func BenchmarkListPage(b *testing.B) {
	st := benchStore(b)
	fs := newBenchServerOn(b, st)
	names := []string{"Abigail", "Lukas", "Marie", "Jonas"}
	for i := 0; i < 5000; i++ {
		fs.do("POST", "/scim/v2/Users", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"p%d@x.test","displayName":"%s %d"}`, i, names[i%4], i))
	}
	from := st.Statements()
	b.ResetTimer()
	for b.Loop() {
		rec := fs.do("GET", "/scim/v2/Users?count=200&filter="+url.QueryEscape(`displayName co "ab"`), "")
		if rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
	reportStatements(b, st, from)
}

// BenchmarkCreateParallel measures POST /Users from 16 concurrent
// clients, in process: what group commit on SQLite is for.
func BenchmarkCreateParallel(b *testing.B) {
	st := benchStore(b)
	fs := newBenchServerOn(b, st)
	from, cpu := st.Statements(), processCPU()
	var n atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			rec := fs.do("POST", "/scim/v2/Users", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"c%d@x.test","displayName":"C %d","emails":[{"type":"work","value":"c%d@x.test"}]}`, i, i, i))
			if rec.Code != 201 {
				b.Fatal(rec.Code, rec.Body.String())
			}
		}
	})
	b.StopTimer()
	reportStatements(b, st, from)
	reportCPU(b, cpu)
	reportAuditHold(b, st)
	if txs, fns := st.GroupCommits(); txs > 0 {
		b.ReportMetric(float64(fns)/float64(txs), "creates/commit")
	}
}

// entraUser is the document Entra ID sends for user i (the shape
// bench/scimload sends): the enterprise extension and, for all but the
// first ten, a manager created earlier (ids[i/10]).
func entraUser(i int64, manager string) string {
	m := ""
	if manager != "" {
		m = fmt.Sprintf(`,"manager":{"value":%q}`, manager)
	}
	return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],`+
		`"userName":"e-%d@bench.test","externalId":"e-%d","active":true,"displayName":"Gabriel Meyer %d","title":"Title %d",`+
		`"name":{"givenName":"Gabriel","familyName":"Meyer"},"emails":[{"primary":true,"type":"work","value":"e-%d@bench.test"}],`+
		`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"e-%d","department":"Dept%d"%s}}`,
		i, i, i, i%50, i, i, i%20, m)
}

// BenchmarkCreateEntraParallel measures POST /Users of Entra-style users
// (enterprise extension, a manager for all but the first ten) from 16
// concurrent clients, in process: the create of bench/scim-speed.sh.
func BenchmarkCreateEntraParallel(b *testing.B) {
	st := benchStore(b)
	fs := newBenchServerOn(b, st)
	var (
		n   atomic.Int64
		mu  sync.Mutex
		ids = map[int64]string{}
	)
	b.SetParallelism(8)
	from, cpu := st.Statements(), processCPU()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			mu.Lock()
			manager := ids[i/10]
			mu.Unlock()
			if i < 10 {
				manager = ""
			}
			rec := fs.do("POST", "/scim/v2/Users", entraUser(i, manager))
			if rec.Code != 201 {
				b.Fatal(rec.Code, rec.Body.String())
			}
			mu.Lock()
			ids[i] = jsonField(rec.Body.String(), "id")
			mu.Unlock()
		}
	})
	b.StopTimer()
	reportStatements(b, st, from)
	reportCPU(b, cpu)
	reportAuditHold(b, st)
	if txs, fns := st.GroupCommits(); txs > 0 {
		b.ReportMetric(float64(fns)/float64(txs), "creates/commit")
	}
}
