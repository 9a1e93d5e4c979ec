package gormstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestSQLiteWritersQueue: SQLite write transactions of one process wait
// their turn (no SQLITE_BUSY however many there are), and a waiter whose
// context ends gives up with an error instead of waiting on.
func TestSQLiteWritersQueue(t *testing.T) {
	st := gormtest.SQLite(t)
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- st.InTx(ctx, func(tx store.Tx) error {
				_, err := tx.CreatePerson(ctx, store.Person{UserName: "p"})
				return err
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := st.CountPersons(ctx, store.PersonQuery{}); n != 32 {
		t.Fatalf("%d persons, want 32", n)
	}

	hold, release := make(chan struct{}), make(chan struct{})
	go func() {
		_ = st.InTx(ctx, func(store.Tx) error { close(hold); <-release; return nil })
	}()
	<-hold
	wctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	err := st.InTx(wctx, func(store.Tx) error { t.Error("ran while another writer held the slot"); return nil })
	close(release)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("waiter: %v", err)
	}
}

// TestSQLiteNestedWriteFails: a write through the Store from inside
// another write transaction fails after the busy timeout, as it did when
// SQLite's own lock made it wait, instead of waiting forever.
func TestSQLiteNestedWriteFails(t *testing.T) {
	ctx := t.Context()
	st, err := gormstore.Open(ctx, gormstore.Options{Driver: gormstore.DriverSQLite,
		DSN: filepath.Join(t.TempDir(), "w.db"), SQLiteBusyTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	err = st.InTx(ctx, func(store.Tx) error {
		_, err := st.CreateGroup(ctx, store.Group{Source: "s", DisplayName: "g"})
		return err
	})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("nested write: %v", err)
	}
}
