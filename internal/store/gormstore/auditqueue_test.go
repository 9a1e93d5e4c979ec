package gormstore_test

import (
	"database/sql"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestQueuedAuditEventsLeftBehindAreChained: events a crash left queued
// (committed with their write, not yet chained) are chained by SealAudit
// and by the next write's round, after nothing else, and the chain holds.
func TestQueuedAuditEventsLeftBehindAreChained(t *testing.T) {
	ctx := t.Context()
	dsn := gormtest.FreshDSN(t, gormstore.DriverPostgres)
	st, err := gormstore.Open(ctx, gormstore.Options{Driver: gormstore.DriverPostgres, DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	leave := func(action string) {
		t.Helper()
		if _, err := db.ExecContext(ctx, `INSERT INTO audit_pending ("time", actor, action, target, details) VALUES ($1, 'crashed', $2, 't', '{}')`,
			time.Now().UTC().Truncate(time.Microsecond), action); err != nil {
			t.Fatal(err)
		}
	}
	leave("left.1")
	leave("left.2")
	if n, err := st.SealAudit(ctx); err != nil || n != 2 {
		t.Fatalf("sealed %d, %v; want 2", n, err)
	}
	if n, err := st.SealAudit(ctx); err != nil || n != 0 {
		t.Fatalf("sealed %d again, %v", n, err)
	}
	leave("left.3")
	if _, err := st.QueueAuditEvents(ctx, []store.AuditEvent{{Time: time.Now().UTC().Truncate(time.Microsecond), Actor: "a", Action: "next.write", Target: "t"}}); err != nil {
		t.Fatal(err)
	}
	evs, err := st.ListAudit(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"left.1", "left.2", "left.3", "next.write"}
	if len(evs) != len(want) {
		t.Fatalf("%d events chained: %+v", len(evs), evs)
	}
	prev := ""
	for i, e := range evs {
		if e.Action != want[i] || e.Seq != int64(i+1) || e.PrevHash != prev || e.Hash != store.HashAuditEvent(e) {
			t.Fatalf("event %d: %+v (prev %q)", i+1, e, prev)
		}
		prev = e.Hash
	}
	var pending int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM audit_pending`).Scan(&pending); err != nil || pending != 0 {
		t.Fatalf("%d still pending, %v", pending, err)
	}
}
