package gormstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// sqliteDSN turns a file path or "file:" URI into a "file:" URI carrying the
// connection settings syncd relies on, overriding any the caller gave:
//
//   - journal_mode=WAL: readers do not block the writer;
//   - busy_timeout: writers wait for the lock instead of failing at once;
//   - foreign_keys=ON: the schema's references are enforced;
//   - synchronous=FULL by default: every commit syncs the WAL, so what was
//     acknowledged survives a power loss; NORMAL when asked for (syncs at
//     checkpoints only: survives a crash of syncd, not of the machine);
//   - _txlock=immediate: every transaction takes the write lock at BEGIN, so
//     a read-then-write transaction never fails to upgrade its lock with
//     SQLITE_BUSY (which busy_timeout cannot help with).
//
// Both mattn and modernc read these underscore keys; modernc additionally
// gets _time_format=sqlite so it writes times in mattn's format and a file
// can be opened by either driver.
func sqliteDSN(dsn, driver string, busy time.Duration, synchronous string) (string, error) {
	if dsn == "" {
		return "", errors.New("empty DSN")
	}
	if dsn == ":memory:" || strings.Contains(dsn, "mode=memory") {
		return "", errors.New("in-memory databases are not supported")
	}
	var path, query string
	if rest, ok := strings.CutPrefix(dsn, "file:"); ok {
		path, query, _ = strings.Cut(rest, "?")
	} else {
		// A plain path: escape what a URI would otherwise interpret.
		path = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(dsn)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", errors.New("invalid DSN query")
	}
	if busy <= 0 {
		busy = 5 * time.Second
	}
	// Aliases win over the long names in both drivers: drop them.
	for _, k := range []string{"_timeout", "_journal", "_fk", "_sync"} {
		q.Del(k)
	}
	q.Set("_busy_timeout", strconv.FormatInt(busy.Milliseconds(), 10))
	q.Set("_journal_mode", "WAL")
	q.Set("_foreign_keys", "1")
	switch strings.ToUpper(synchronous) {
	case "", "FULL":
		q.Set("_synchronous", "FULL")
	case "NORMAL":
		q.Set("_synchronous", "NORMAL")
	default:
		return "", errors.New("synchronous must be full or normal")
	}
	q.Set("_txlock", "immediate")
	if driver == SQLiteModernc {
		q.Set("_time_format", "sqlite")
	}
	return "file:" + path + "?" + q.Encode(), nil
}

// SQLitePragma reads an integer pragma on one pooled connection (for
// tests and diagnostics: synchronous, busy_timeout, foreign_keys and the
// connector's temp_store, wal_autocheckpoint, cache_size and
// soft_heap_limit).
func (s *Store) SQLitePragma(ctx context.Context, name string) (int, error) {
	if s.driver != DriverSQLite {
		return 0, errors.New("gormstore: pragma: not a SQLite store")
	}
	switch name {
	case "synchronous", "busy_timeout", "foreign_keys", "journal_size_limit",
		"temp_store", "wal_autocheckpoint", "cache_size", "soft_heap_limit":
	default:
		return 0, fmt.Errorf("gormstore: pragma %q: not readable here", name)
	}
	var v int
	if err := s.sqlDB.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
		return 0, fmt.Errorf("gormstore: pragma %s: %w", name, err)
	}
	return v, nil
}
