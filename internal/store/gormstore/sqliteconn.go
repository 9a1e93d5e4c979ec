package gormstore

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
)

// sqliteConnector opens each SQLite connection through the registered
// driver and sets the connection pragmas that no DSN key of both drivers
// covers:
//
//   - temp_store=MEMORY: statement journals (which a multi-row INSERT in a
//     transaction keeps so it can undo itself alone) stay in memory instead
//     of spilling to a temporary file past 64 KiB;
//   - cache_size, when Options.SQLiteCacheKiB is set: a page cache larger
//     than SQLite's 2,000 KiB keeps a large batch's pages in memory until
//     it commits instead of writing them to the WAL early and reading them
//     back;
//   - wal_autocheckpoint, when Options.SQLiteWALAutoCheckpoint is set;
//   - soft_heap_limit, when Options.SQLiteSoftHeapLimitKiB is set: SQLite's
//     memory in the whole process, past which page caches recycle their
//     own pages instead of growing (advisory: no allocation fails). It
//     bounds what many pooled connections' caches add up to.
type sqliteConnector struct {
	drv     driver.Driver
	dsn     string
	pragmas []string
}

func newSQLiteConnector(drv driver.Driver, dsn string, cacheKiB, checkpointPages, heapKiB int) *sqliteConnector {
	p := []string{"PRAGMA temp_store = MEMORY"}
	if cacheKiB > 0 {
		// A negative cache_size is in KiB, a positive one in pages.
		p = append(p, fmt.Sprintf("PRAGMA cache_size = -%d", cacheKiB))
	}
	if heapKiB > 0 {
		p = append(p, fmt.Sprintf("PRAGMA soft_heap_limit = %d", int64(heapKiB)*1024))
	}
	if checkpointPages > 0 {
		p = append(p, fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", checkpointPages))
	}
	return &sqliteConnector{drv: drv, dsn: dsn, pragmas: p}
}

func (c *sqliteConnector) Driver() driver.Driver { return c.drv }

func (c *sqliteConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	exec, ok := conn.(driver.ExecerContext)
	if !ok {
		conn.Close()
		return nil, errors.New("sqlite driver cannot run connection pragmas")
	}
	for _, p := range c.pragmas {
		if _, err := exec.ExecContext(ctx, p, nil); err != nil {
			conn.Close()
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	return conn, nil
}
