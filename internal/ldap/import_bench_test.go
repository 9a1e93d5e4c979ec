package ldap_test

import (
	"log/slog"
	"os"
	"runtime/pprof"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/ldap"
	"github.com/syncd-dev/syncd/internal/ldap/ldaptest"
	"github.com/syncd-dev/syncd/internal/pull"
)

// BenchmarkFirstImport measures a first full import of a realistic
// directory (ldaptest.Org, 5,000 people with their groups and service
// accounts) into a fresh SQLite store (PostgreSQL with
// SYNCD_BENCH_DB=postgres): the LDAP read, the identity batch path and the
// set-based group pass together. SYNCD_BENCH_PEOPLE sets another size.
func BenchmarkFirstImport(b *testing.B) {
	org := benchOrg(b)
	srv := ldaptest.Start(b, ldaptest.Options{LDIF: org.LDIF(), MaxSizeMB: 8192})
	cfg := sourceConfig(srv)
	cfg.PageSize, cfg.Parallel = 1000, 2
	src, err := ldap.New(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	stats := newSQLStats()
	var stmts int64
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		st := benchStore(b, stats)
		stats.reset()
		from := st.Statements()
		runner := &pull.Runner{Store: st, Identity: newIdentity(b, st), Holder: "bench"}
		runner.BatchSize, _ = strconv.Atoi(os.Getenv("SYNCD_BENCH_BATCH"))
		if os.Getenv("SYNCD_BENCH_PHASES") != "" { // the time of each phase, on stderr
			runner.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}
		b.StartTimer()
		cpu0 := processCPU()
		run, err := runner.Run(b.Context(), src, pull.Options{Full: true})
		if err != nil || run.Counts.Created < org.People {
			b.Fatalf("run: %v %+v", err, run.Counts)
		}
		cpu += processCPU() - cpu0
		stmts += st.Statements() - from
	}
	b.ReportMetric(float64(org.People), "people/op")
	b.ReportMetric(float64(stmts)/float64(b.N)/float64(org.People), "stmts/person")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	stats.print()
}

// BenchmarkNoChangeFull measures a full reconciliation of the same
// directory when nothing changed since the first import: the LDAP read,
// the comparison with the links and the group digests, no writes.
func BenchmarkNoChangeFull(b *testing.B) {
	org := benchOrg(b)
	srv := ldaptest.Start(b, ldaptest.Options{LDIF: org.LDIF(), MaxSizeMB: 8192})
	cfg := sourceConfig(srv)
	cfg.PageSize, cfg.Parallel = 1000, benchParallel(b)
	src, err := ldap.New(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	stats := newSQLStats()
	st := benchStore(b, stats)
	runner := &pull.Runner{Store: st, Identity: newIdentity(b, st), Holder: "bench"}
	if _, err := runner.Run(b.Context(), src, pull.Options{Full: true}); err != nil {
		b.Fatal(err)
	}
	if os.Getenv("SYNCD_BENCH_PHASES") != "" {
		runner.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	stats.reset()
	from := st.Statements()
	stop := loopProfile(b)
	cpu0, slapd0 := processCPU(), srv.CPU()
	for b.Loop() {
		run, err := runner.Run(b.Context(), src, pull.Options{Full: true})
		if err != nil || run.Counts.Unchanged < org.People || run.Counts.Created+run.Counts.Updated > 0 {
			b.Fatalf("run: %v %+v", err, run.Counts)
		}
	}
	b.ReportMetric(float64(org.People), "people/op")
	b.ReportMetric(float64(st.Statements()-from)/float64(b.N), "stmts/op")
	b.ReportMetric((processCPU()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric((srv.CPU()-slapd0).Seconds()/float64(b.N), "slapd-cpu-s/op")
	stop()
	stats.print()
}

// benchOrg is the directory of the import benchmarks: 5,000 people, or
// SYNCD_BENCH_PEOPLE, with service accounts in the proportions of
// bench/ldap-pull.sh.
func benchOrg(b *testing.B) ldaptest.Org {
	people := 5000
	if v := os.Getenv("SYNCD_BENCH_PEOPLE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatalf("SYNCD_BENCH_PEOPLE: %v", err)
		}
		people = n
	}
	return ldaptest.Org{Suffix: suffix, People: people, ServiceAccounts: max(4, people/50), Misplaced: max(1, people/10000)}
}

// benchParallel is the source's Parallel: 2, or SYNCD_BENCH_PARALLEL.
func benchParallel(b *testing.B) int {
	if v := os.Getenv("SYNCD_BENCH_PARALLEL"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatalf("SYNCD_BENCH_PARALLEL: %v", err)
		}
		return n
	}
	return 2
}

// processCPU is the CPU time (user and system) this process has used:
// syncd's side of a run, without slapd's or the database server's.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loopProfile writes a CPU profile of what follows to the file named by
// SYNCD_BENCH_CPUPROFILE (go test's -cpuprofile would include the import
// that sets a no-change run up); the returned function stops it.
func loopProfile(b *testing.B) func() {
	name := os.Getenv("SYNCD_BENCH_CPUPROFILE")
	if name == "" {
		return func() {}
	}
	f, err := os.Create(name)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
