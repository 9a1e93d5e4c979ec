package gormstore

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

// TestStmtCache: statements are prepared once and reused outside and
// inside transactions; a text first seen inside a transaction on a pool of
// one connection neither blocks nor fails (it is prepared later); the
// cache stops growing at its bound and the texts past it still run.
func TestStmtCache(t *testing.T) {
	ctx := t.Context()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(t.TempDir(), "c.db")+"?_journal_mode=WAL&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	c := newStmtCache(db)
	defer c.close()
	if _, err := c.ExecContext(ctx, "CREATE TABLE t (a INTEGER)"); err != nil {
		t.Fatal(err)
	}
	ins := "INSERT INTO t (a) VALUES (?)"
	if _, err := c.ExecContext(ctx, ins, 1); err != nil {
		t.Fatal(err)
	}
	if c.stmts[ins] == nil {
		t.Fatal("a statement run on the pool was not cached")
	}

	// First seen inside a transaction, with the only connection held.
	sel := "SELECT count(*) FROM t WHERE a >= ?"
	done := make(chan error, 1)
	go func() {
		pool, err := c.BeginTx(ctx, nil)
		if err != nil {
			done <- err
			return
		}
		tx := pool.(*stmtTx)
		if _, err := tx.ExecContext(ctx, ins, 2); err != nil {
			done <- err
			return
		}
		var n int
		if err := tx.QueryRowContext(ctx, sel, 0).Scan(&n); err != nil || n != 2 {
			done <- fmt.Errorf("count in the transaction: %d, %v", n, err)
			return
		}
		done <- tx.Commit()
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a transaction on a pool of one connection blocked on the statement cache")
	}
	waitFor(t, func() bool { c.mu.RLock(); defer c.mu.RUnlock(); return c.stmts[sel] != nil })
	pool, err := c.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := pool.QueryRowContext(ctx, sel, 2).Scan(&n); err != nil || n != 1 {
		t.Fatalf("cached statement in a transaction: %d, %v", n, err)
	}
	if err := pool.(*stmtTx).Rollback(); err != nil {
		t.Fatal(err)
	}

	for i := range maxCachedStmts + 10 {
		var v int
		if err := c.QueryRowContext(ctx, fmt.Sprintf("SELECT %d", i)).Scan(&v); err != nil || v != i {
			t.Fatalf("SELECT %d: %d, %v", i, v, err)
		}
	}
	if len(c.stmts) > maxCachedStmts {
		t.Fatalf("%d cached statements, bound %d", len(c.stmts), maxCachedStmts)
	}
	if _, err := c.ExecContext(context.Background(), "NOT SQL"); err == nil {
		t.Fatal("invalid SQL did not fail")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 500 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition not met in 5s")
}

// TestStmtCacheCloseWaitsForBackgroundPreparations: texts first seen
// inside a transaction are prepared in the background; close returns only
// when those preparations are over, so none reaches the database (and, on
// SQLite, creates its -wal and -shm files) after the store is closed. The
// test directory's cleanup failed with "directory not empty" before.
func TestStmtCacheCloseWaitsForBackgroundPreparations(t *testing.T) {
	ctx := t.Context()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(t.TempDir(), "c.db")+"?_journal_mode=WAL&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	c := newStmtCache(db)
	if _, err := c.ExecContext(ctx, "CREATE TABLE t (a INTEGER)"); err != nil {
		t.Fatal(err)
	}
	pool, err := c.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	tx := pool.(*stmtTx)
	// New texts inside the transaction: their preparations wait for the
	// only connection, which the transaction holds.
	for i := range 20 {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("INSERT INTO t (a) VALUES (%d)", i)); err != nil {
			t.Fatal(err)
		}
	}
	// Every preparation has started and waits for the connection (one
	// scheduled only after close begins sees the cache closed and does
	// nothing, which is not what this test is about).
	for deadline := time.Now().Add(prepareTimeout / 2); ; time.Sleep(5 * time.Millisecond) {
		c.mu.Lock()
		n := len(c.preparing)
		c.mu.Unlock()
		if n == 20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 20 preparations started", n)
		}
	}
	done := make(chan struct{})
	go func() { c.close(); close(done) }()
	select {
	case <-done:
		t.Fatal("close returned while preparations were still running")
	case <-time.After(200 * time.Millisecond):
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(2 * prepareTimeout):
		t.Fatal("close never returned")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.preparing) != 0 || len(c.stmts) != 0 {
		t.Fatalf("after close: %d preparations running, %d statements cached", len(c.preparing), len(c.stmts))
	}
}
