package gormstore

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"

	"github.com/syncd-dev/syncd/internal/store"
)

// Database drivers accepted in Options.Driver.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
)

// database/sql driver names accepted in Options.SQLiteDriver.
const (
	// SQLiteMattn is github.com/mattn/go-sqlite3 (cgo), registered by this
	// package; the default.
	SQLiteMattn = "sqlite3"
	// SQLiteModernc is modernc.org/sqlite (pure Go). The caller must import
	// it (`import _ "modernc.org/sqlite"`) to register it.
	SQLiteModernc = "sqlite"
)

// Options says which database to open and how to pool connections.
type Options struct {
	Driver string // "sqlite" or "postgres"
	// DSN is a file path or "file:" URI for SQLite, a URL or key=value
	// connection string for PostgreSQL.
	DSN          string
	MaxOpenConns int
	// MaxIdleConns is how many idle connections are kept; 16 when zero.
	MaxIdleConns    int
	ConnMaxLifetime time.Duration
	ConnMaxIdleTime time.Duration
	// SQLiteDriver is the database/sql driver name for SQLite: "sqlite3"
	// (mattn, default) or "sqlite" (modernc).
	SQLiteDriver string
	// SQLiteBusyTimeout is how long a SQLite writer waits for the write lock
	// before failing; 5s when zero.
	SQLiteBusyTimeout time.Duration
	// SQLiteSynchronous is SQLite's synchronous pragma: "full" (default)
	// syncs the WAL on every commit, so an acknowledged write survives a
	// power loss; "normal" syncs only at checkpoints: it survives a crash
	// of the process, not of the machine, and writes faster.
	SQLiteSynchronous string
	// SQLiteCacheKiB is each SQLite connection's page cache in KiB; SQLite's
	// own 2,000 when zero. A batch writer (syncd sync) gains from a larger
	// one; a server with many pooled connections pays it per connection.
	SQLiteCacheKiB int
	// SQLiteWALAutoCheckpoint is the WAL size, in pages, at which a commit
	// copies it into the database; SQLite's own 1,000 (4 MiB) when zero. A
	// page that many transactions change (an index's inner pages) is
	// copied once per checkpoint, so a batch writer gains from a larger
	// one; readers pay for it, since every page read first looks the page
	// up in the WAL's index (SCIM lookups were a third slower behind a
	// 64 MiB WAL: bench/README.md).
	SQLiteWALAutoCheckpoint int
	// SQLiteSoftHeapLimitKiB is SQLite's soft limit on its memory in the
	// whole process (all stores and connections), in KiB; none when zero.
	// Past it page caches recycle their pages rather than grow, so many
	// pooled connections' caches stay within it.
	SQLiteSoftHeapLimitKiB int
	// Now returns the current time; time.Now when nil. Stored times are UTC
	// truncated to microseconds whatever it returns.
	Now    func() time.Time
	Logger *slog.Logger
}

// Store is a store.Store backed by gorm. Its store.Tx methods each run as
// their own transaction (or single statement).
type Store struct {
	*txn
	sqlDB  *sql.DB
	stmts  *stmtCache   // SQLite only
	group  *groupCommit // SQLite only
	growth *growthStats // PostgreSQL only
	count  *atomic.Int64
	driver string
	logger *slog.Logger
}

var _ store.Store = (*Store)(nil)

// Open connects to the database and checks it is reachable. It creates and
// migrates nothing (see Migrate). An unreachable database gives an error
// wrapping store.ErrUnavailable.
func Open(ctx context.Context, o Options) (*Store, error) {
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	var (
		dialector gorm.Dialector
		sqlDB     *sql.DB
		cache     *stmtCache
		label     string
	)
	switch o.Driver {
	case DriverSQLite:
		name := o.SQLiteDriver
		if name == "" {
			name = DefaultSQLiteDriver
		}
		label = "sqlite (" + name + ")"
		if o.SQLiteCacheKiB < 0 || o.SQLiteWALAutoCheckpoint < 0 || o.SQLiteSoftHeapLimitKiB < 0 {
			return nil, fmt.Errorf("gormstore: open %s: negative cache size, checkpoint interval or heap limit", label)
		}
		dsn, err := sqliteDSN(o.DSN, name, o.SQLiteBusyTimeout, o.SQLiteSynchronous)
		if err != nil {
			return nil, fmt.Errorf("gormstore: open %s: %w", label, err)
		}
		sqlDB, err = sql.Open(name, dsn)
		if err != nil {
			return nil, fmt.Errorf("gormstore: open %s: %w", label, err)
		}
		// sql.Open connects nothing: reopen through a connector that sets
		// the connection pragmas (sqliteconn.go) on every connection.
		drv := sqlDB.Driver()
		sqlDB.Close()
		sqlDB = sql.OpenDB(newSQLiteConnector(drv, dsn, o.SQLiteCacheKiB, o.SQLiteWALAutoCheckpoint, o.SQLiteSoftHeapLimitKiB))
		cache = newStmtCache(sqlDB)
		dialector = sqlite.New(sqlite.Config{DriverName: name, Conn: cache})
	case DriverPostgres:
		label = "postgres"
		dialector = postgres.New(postgres.Config{DSN: o.DSN})
	default:
		return nil, fmt.Errorf("gormstore: open: unknown driver %q (want %q or %q)", o.Driver, DriverSQLite, DriverPostgres)
	}

	statements := &atomic.Int64{}
	db, err := gorm.Open(dialector, &gorm.Config{
		Logger:                 newGormLogger(logger, statements),
		NowFunc:                func() time.Time { return utc(now()) },
		SkipDefaultTransaction: true,
		DisableAutomaticPing:   true,
	})
	if err != nil {
		if sqlDB != nil {
			sqlDB.Close()
		}
		return nil, fmt.Errorf("gormstore: open %s: %w", label, classify(err))
	}
	if sqlDB == nil {
		if sqlDB, err = db.DB(); err != nil {
			return nil, fmt.Errorf("gormstore: open %s: %w", label, err)
		}
	}
	idle := o.MaxIdleConns
	if idle == 0 {
		// Not database/sql's 2: under a burst of concurrent requests every
		// connection past the second was closed after each use and opened
		// again (a new backend process on PostgreSQL, a file open and
		// pragmas on SQLite), and its prepared statements went with it.
		idle = defaultIdleConns
	}
	sqlDB.SetMaxOpenConns(o.MaxOpenConns)
	sqlDB.SetMaxIdleConns(idle)
	sqlDB.SetConnMaxLifetime(o.ConnMaxLifetime)
	sqlDB.SetConnMaxIdleTime(o.ConnMaxIdleTime)
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("gormstore: open %s: %w", label, unavailable(err))
	}
	var writer chan struct{}
	wait := o.SQLiteBusyTimeout
	if o.Driver == DriverSQLite {
		writer = make(chan struct{}, 1)
		if wait <= 0 {
			wait = 5 * time.Second
		}
	}
	s := &Store{
		txn:    &txn{db: db, dialect: o.Driver, now: now, writer: writer, writerWait: wait, holds: &holdStats{}},
		sqlDB:  sqlDB,
		stmts:  cache,
		count:  statements,
		driver: o.Driver,
		logger: logger,
	}
	if o.Driver == DriverSQLite {
		s.group = &groupCommit{s: s}
	} else {
		s.seal = &sealer{db: db, holds: s.holds, logger: logger}
		s.txn.seal = s.seal
		s.growth = startGrowthStats(sqlDB, statements, logger)
	}
	return s, nil
}

// Statements reports how many statements the store has run since it was
// opened, BEGIN and COMMIT not counted: benchmarks divide it by requests
// for the round trips each costs.
func (s *Store) Statements() int64 { return s.count.Load() }

// Driver reports the database driver: "sqlite" or "postgres".
func (s *Store) Driver() string { return s.driver }

// defaultIdleConns is how many idle connections the pool keeps when
// Options.MaxIdleConns is zero (never more than MaxOpenConns).
const defaultIdleConns = 16

// txAttempts bounds how often InTx runs a transaction that failed with a
// serialization failure or deadlock (PostgreSQL 40001, 40P01).
const txAttempts = 3

// InTx runs fn in one transaction, committed when fn returns nil and rolled
// back otherwise; fn's error is returned as is. A transaction that lost to
// a concurrent one (40001, 40P01) is run again, up to txAttempts times, so
// fn must keep its effects inside tx. On SQLite, functions that wait for
// the writer meanwhile share one transaction, each in a savepoint, and
// each returns once the shared COMMIT has (see groupCommit).
func (s *Store) InTx(ctx context.Context, fn func(tx store.Tx) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		if s.group != nil {
			err = s.group.run(ctx, fn)
		} else {
			err = s.inTxOnce(ctx, fn)
		}
		if attempt == txAttempts || !retryable(err) || ctx.Err() != nil {
			return err
		}
		s.logger.Warn("gormstore: transaction lost to a concurrent one; retrying", "attempt", attempt, "err", err)
		select {
		case <-time.After(time.Duration(attempt*attempt) * 10 * time.Millisecond):
		case <-ctx.Done():
			return err
		}
	}
}

func (s *Store) inTxOnce(ctx context.Context, fn func(tx store.Tx) error) error {
	release, err := s.lockWriter(ctx)
	if err != nil {
		return wrap("transaction", err)
	}
	defer release()
	var fnErr error
	hold := &auditHold{}
	err = s.db.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		fnErr = fn(&txn{db: g, inTx: true, dialect: s.dialect, now: s.now, writer: s.writer, writerWait: s.writerWait, holds: s.holds, hold: hold, seal: s.seal})
		return fnErr
	})
	s.holds.observe(hold)
	if fnErr != nil {
		return fnErr
	}
	if err == nil && hold.queued {
		s.seal.after(ctx)
	}
	return wrap("transaction", err)
}

// Ping checks the database is reachable.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("gormstore: ping %s: %w", s.driver, unavailable(err))
	}
	return nil
}

// Close closes the connection pool.
func (s *Store) Close() error {
	if s.growth != nil {
		s.growth.close()
	}
	if s.stmts != nil {
		s.stmts.close()
	}
	if err := s.sqlDB.Close(); err != nil {
		return fmt.Errorf("gormstore: close: %w", err)
	}
	return nil
}

// txn implements store.Tx on a gorm handle: the pool for Store's own methods,
// a transaction inside InTx.
type txn struct {
	db   *gorm.DB
	inTx bool
	// detached: statements ignore their context's cancellation (inside a
	// grouped SQLite transaction, see groupCommit).
	detached bool
	// holds collects how long transactions hold the audit head; hold is
	// this transaction's (nil outside one).
	holds *holdStats
	hold  *auditHold
	// seal chains queued audit events after a commit (PostgreSQL only).
	seal *sealer
	// audit collects the audit events of a function of a grouped SQLite
	// transaction, chained when the group ends (nil elsewhere).
	audit   *[]store.AuditEvent
	dialect string
	now     func() time.Time
	// writer serialises this process's SQLite write transactions (nil on
	// PostgreSQL): SQLite has one writer, and waiting here in order is far
	// cheaper than every writer polling the lock through busy_timeout's
	// growing sleeps (which made tail latency seconds under load).
	writer chan struct{}
	// writerWait bounds the wait for the slot like busy_timeout bounded
	// the wait for the lock, so a write attempted from inside another
	// write transaction fails instead of waiting forever.
	writerWait time.Duration
}

// lockWriter takes the SQLite writer slot, or returns at once on
// PostgreSQL; it gives up when ctx ends.
func (t *txn) lockWriter(ctx context.Context) (func(), error) {
	if t.writer == nil || t.inTx {
		return func() {}, nil
	}
	timer := time.NewTimer(t.writerWait)
	defer timer.Stop()
	select {
	case t.writer <- struct{}{}:
		return func() { <-t.writer }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for the SQLite writer: %w", ctx.Err())
	case <-timer.C:
		return nil, fmt.Errorf("wait for the SQLite writer: busy for %s: %w", t.writerWait, store.ErrUnavailable)
	}
}

// conn returns the handle bound to ctx.
func (t *txn) conn(ctx context.Context) *gorm.DB {
	if t.detached {
		ctx = context.WithoutCancel(ctx)
	}
	return t.db.WithContext(ctx)
}

// atomic runs fn in a transaction: the current one inside InTx, a new one
// otherwise. Errors come back unchanged.
func (t *txn) atomic(ctx context.Context, fn func(t *txn) error) error {
	if t.inTx {
		return fn(t)
	}
	release, err := t.lockWriter(ctx)
	if err != nil {
		return err
	}
	defer release()
	hold := &auditHold{}
	err = t.conn(ctx).Transaction(func(g *gorm.DB) error {
		return fn(&txn{db: g, inTx: true, dialect: t.dialect, now: t.now, writer: t.writer, writerWait: t.writerWait, holds: t.holds, hold: hold, seal: t.seal})
	})
	t.holds.observe(hold)
	if err == nil && hold.queued {
		t.seal.after(ctx)
	}
	return err
}

// stamp returns the current time as stored: UTC, microseconds.
func (t *txn) stamp() time.Time { return utc(t.now()) }

func (t *txn) postgres() bool { return t.dialect == DriverPostgres }

// utc normalises a time for storage: UTC, truncated to microseconds, so a
// value reads back identically on SQLite and PostgreSQL. Zero stays zero.
func utc(v time.Time) time.Time {
	if v.IsZero() {
		return time.Time{}
	}
	return v.UTC().Truncate(time.Microsecond)
}

func utcPtr(v *time.Time) *time.Time {
	if v == nil || v.IsZero() {
		return nil
	}
	u := utc(*v)
	return &u
}
