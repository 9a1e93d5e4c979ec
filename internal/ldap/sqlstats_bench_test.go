package ldap_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// sqlStats is a slog handler that sums the statements the store logs at
// debug level by their text (parameters are never logged), for
// SYNCD_BENCH_SQL=1: where a benchmark's database time goes.
type sqlStats struct {
	mu sync.Mutex
	by map[string]*sqlStat
}

type sqlStat struct {
	n   int
	dur time.Duration
}

func (s *sqlStats) Enabled(context.Context, slog.Level) bool { return true }
func (s *sqlStats) WithAttrs([]slog.Attr) slog.Handler       { return s }
func (s *sqlStats) WithGroup(string) slog.Handler            { return s }
func (s *sqlStats) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "query" {
		return nil
	}
	var q string
	var d time.Duration
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "sql":
			q = a.Value.String()
		case "duration":
			d = a.Value.Duration()
		}
		return true
	})
	if i := strings.Index(q, " VALUES "); i > 0 {
		q = q[:i] + " VALUES …"
	}
	if len(q) > 140 {
		q = q[:140]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.by[q]
	if st == nil {
		st = &sqlStat{}
		s.by[q] = st
	}
	st.n++
	st.dur += d
	return nil
}

// newSQLStats is nil unless SYNCD_BENCH_SQL is set.
func newSQLStats() *sqlStats {
	if os.Getenv("SYNCD_BENCH_SQL") == "" {
		return nil
	}
	return &sqlStats{by: map[string]*sqlStat{}}
}

func (s *sqlStats) reset() {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.by = map[string]*sqlStat{}
	s.mu.Unlock()
}

func (s *sqlStats) print() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	type row struct {
		q string
		sqlStat
	}
	var rows []row
	var total sqlStat
	for q, st := range s.by {
		rows = append(rows, row{q, *st})
		total.n += st.n
		total.dur += st.dur
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].dur > rows[j].dur })
	fmt.Fprintf(os.Stderr, "statements: %d, %s\n", total.n, total.dur)
	for i, r := range rows {
		if i == 30 {
			break
		}
		fmt.Fprintf(os.Stderr, "%7d %10s  %s\n", r.n, r.dur.Round(time.Millisecond), r.q)
	}
}

// benchStore opens the benchmark's store: SQLite, or PostgreSQL with
// SYNCD_BENCH_DB=postgres; with SYNCD_BENCH_SQL=1 its statements are
// summed by stats.
func benchStore(b *testing.B, stats *sqlStats) *gormstore.Store {
	o := gormstore.Options{Driver: gormstore.DriverSQLite, DSN: filepath.Join(b.TempDir(), "syncd.db")}
	if os.Getenv("SYNCD_BENCH_DB") == "postgres" {
		o = gormstore.Options{Driver: gormstore.DriverPostgres, DSN: gormtest.FreshDSN(b, gormstore.DriverPostgres) + os.Getenv("SYNCD_BENCH_DSN_EXTRA")}
	}
	if stats != nil {
		o.Logger = slog.New(stats)
	}
	s, err := gormstore.Open(b.Context(), o)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	return s
}
