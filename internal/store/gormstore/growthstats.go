package gormstore

import (
	"context"
	"database/sql"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// growthStats keeps PostgreSQL's planner statistics in step with tables
// that grow fast from empty (PostgreSQL only).
//
// pgx prepares every statement once per connection, and after five runs
// PostgreSQL may keep a generic plan for it, made with the statistics of
// that moment. A table that was nearly empty then gets a sequential scan,
// and the cached plan keeps it while the table grows, until an ANALYZE
// invalidates it. Autovacuum analyzes a table a minute or more later, so
// an identity provider's first push into a fresh database looked every
// person up by scanning them all: with four pooled connections 8,000
// SCIM creates ran at 171/s instead of 820/s, the correlation lookup at
// 2.9 ms instead of 23 µs (bench/README.md). The pull's RefreshStatistics
// does this for a batch import; this does it for every other writer.
//
// Every growthTick, while the store has run any statement in the last
// growthLinger ticks, it reads the live row estimates of the schema's
// tables and ANALYZEs each that has at least growthMinRows rows and twice
// as many as its statistics say: a table growing from empty to N rows is analyzed
// log2(N/growthMinRows) times, and each ANALYZE samples a bounded number
// of rows. Several replicas may each analyze a table; that is harmless.
type growthStats struct {
	db     *sql.DB // the pool, not gorm: these statements are not the work's (Statements)
	count  *atomic.Int64
	logger *slog.Logger
	seen   int64
	quiet  int             // ticks without a statement
	ctx    context.Context // ends at close, cancelling a running ANALYZE
	stop   context.CancelFunc
	done   chan struct{}
}

const (
	growthTick    = time.Second
	growthMinRows = 500
	// growthLinger is how many quiet ticks the loop keeps looking after
	// the last statement: a backend reports its row counts to the
	// statistics a second or more after its commit.
	growthLinger = 15
)

// needsAnalyze says whether a table with live rows now, and reltuples
// rows by its statistics (-1: never analyzed), should be analyzed.
func needsAnalyze(live int64, reltuples float64) bool {
	return live >= growthMinRows && float64(live) >= 2*max(reltuples, 0)
}

func startGrowthStats(db *sql.DB, count *atomic.Int64, logger *slog.Logger) *growthStats {
	g := &growthStats{db: db, count: count, logger: logger, seen: count.Load(), done: make(chan struct{})}
	g.ctx, g.stop = context.WithCancel(context.Background())
	go g.loop()
	return g
}

func (g *growthStats) loop() {
	defer close(g.done)
	t := time.NewTicker(growthTick)
	defer t.Stop()
	for {
		select {
		case <-g.ctx.Done():
			return
		case <-t.C:
		}
		if n := g.count.Load(); n != g.seen {
			g.seen, g.quiet = n, 0
		} else if g.quiet++; g.quiet > growthLinger {
			continue
		}
		ctx, cancel := context.WithTimeout(g.ctx, time.Minute)
		if err := g.check(ctx); err != nil && g.ctx.Err() == nil {
			g.logger.Warn("gormstore: refreshing the statistics of grown tables failed", "err", err)
		}
		cancel()
	}
}

// check analyzes the tables of the current schema that need it.
func (g *growthStats) check(ctx context.Context) error {
	rows, err := g.db.QueryContext(ctx, "SELECT s.relname, s.n_live_tup, c.reltuples"+
		" FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid WHERE s.schemaname = current_schema()")
	if err != nil {
		return err
	}
	var grown []string
	for rows.Next() {
		var (
			name      string
			live      int64
			reltuples float64
		)
		if err := rows.Scan(&name, &live, &reltuples); err != nil {
			rows.Close()
			return err
		}
		if needsAnalyze(live, reltuples) {
			grown = append(grown, name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, name := range grown {
		if _, err := g.db.ExecContext(ctx, "ANALYZE "+pgx.Identifier{name}.Sanitize()); err != nil {
			return err
		}
		g.logger.Debug("gormstore: analyzed a grown table", "table", name)
	}
	return nil
}

// close stops the loop and waits for it.
func (g *growthStats) close() {
	g.stop()
	<-g.done
}
