package gormstore

import (
	"context"
	"database/sql"
	"sync"
	"time"

	"gorm.io/gorm"
)

// maxCachedStmts bounds the statement cache. SQL text that varies with
// its input (IN lists, SCIM filters) would otherwise grow it without
// bound; once full, new texts run unprepared, as before the cache.
const maxCachedStmts = 512

// stmtCache is gorm's connection pool on SQLite: it prepares each SQL text
// once on the pool and reuses it, on every connection it reaches, inside
// transactions too (database/sql prepares a statement once per connection
// and keeps it there). Without it mattn's driver parses every statement on
// every call: in a profile of SCIM creates, sqlite3_prepare_v2 was the
// largest single cost. gorm's own PrepareStmt does not help here: it
// prepares statements first seen inside a transaction on that transaction,
// so they are prepared again in every later one.
//
// PostgreSQL does not use it: pgx already caches prepared statements per
// connection.
type stmtCache struct {
	db *sql.DB

	mu        sync.RWMutex
	stmts     map[string]*sql.Stmt
	preparing map[string]bool
	closed    bool
	// background counts preparations started inside transactions; close
	// waits for them, so none opens a connection (and, on SQLite, the
	// database's -wal and -shm files) after the store is closed.
	background sync.WaitGroup
}

// prepareTimeout bounds a background preparation waiting for a connection.
const prepareTimeout = 10 * time.Second

var (
	_ gorm.ConnPool         = (*stmtCache)(nil)
	_ gorm.ConnPoolBeginner = (*stmtCache)(nil)
	_ gorm.GetDBConnector   = (*stmtCache)(nil)
	_ gorm.Tx               = (*stmtTx)(nil)
)

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}, preparing: map[string]bool{}}
}

// stmt returns the prepared statement for query, or nil: the text is then
// run directly, which reports any error as before. Outside a transaction
// a new text is prepared at once. Inside one it is prepared in the
// background for later calls: preparing on the pool needs a second
// connection, which a pool with a connection limit may not have while
// this transaction holds its own.
func (c *stmtCache) stmt(ctx context.Context, query string, inTx bool) *sql.Stmt {
	c.mu.RLock()
	st, ok := c.stmts[query]
	full := len(c.stmts) >= maxCachedStmts
	c.mu.RUnlock()
	if ok || full {
		return st
	}
	if inTx {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return nil
		}
		c.background.Add(1)
		c.mu.Unlock()
		go func() {
			defer c.background.Done()
			c.prepare(context.Background(), query)
		}()
		return nil
	}
	return c.prepare(ctx, query)
}

func (c *stmtCache) prepare(ctx context.Context, query string) *sql.Stmt {
	c.mu.Lock()
	if st, ok := c.stmts[query]; ok || c.closed || c.preparing[query] {
		c.mu.Unlock()
		return st
	}
	c.preparing[query] = true
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), prepareTimeout)
	defer cancel()
	st, err := c.db.PrepareContext(ctx, query)
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.preparing, query)
	if err != nil {
		return nil
	}
	if c.closed || len(c.stmts) >= maxCachedStmts {
		st.Close()
		return nil
	}
	c.stmts[query] = st
	return st
}

// close closes every cached statement, after waiting for preparations
// still running in the background (each bounded by prepareTimeout).
func (c *stmtCache) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.background.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.stmts {
		st.Close()
		delete(c.stmts, q)
	}
}

func (c *stmtCache) GetDBConn() (*sql.DB, error) { return c.db, nil }

func (c *stmtCache) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return c.db.PrepareContext(ctx, query)
}

func (c *stmtCache) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := c.stmt(ctx, query, false); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.db.ExecContext(ctx, query, args...)
}

func (c *stmtCache) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := c.stmt(ctx, query, false); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.db.QueryContext(ctx, query, args...)
}

func (c *stmtCache) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := c.stmt(ctx, query, false); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.db.QueryRowContext(ctx, query, args...)
}

func (c *stmtCache) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	tx, err := c.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &stmtTx{Tx: tx, c: c}, nil
}

// stmtTx is a transaction that runs cached statements on its connection.
type stmtTx struct {
	*sql.Tx
	c *stmtCache
}

func (t *stmtTx) GetDBConn() (*sql.DB, error) { return t.c.db, nil }

func (t *stmtTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.c.stmt(ctx, query, true); st != nil {
		return t.Tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

func (t *stmtTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.c.stmt(ctx, query, true); st != nil {
		return t.Tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, query, args...)
}

func (t *stmtTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.c.stmt(ctx, query, true); st != nil {
		return t.Tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}
