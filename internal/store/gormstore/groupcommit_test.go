package gormstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
)

func openSQLite(t *testing.T, path string) *gormstore.Store {
	t.Helper()
	st, err := gormstore.Open(t.Context(), gormstore.Options{Driver: gormstore.DriverSQLite, DSN: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

var errRefused = errors.New("refused by the function")

// TestGroupCommitIsolatesEachTransaction: SQLite transactions that wait
// while another is written are committed together, and each still gets
// exactly its own outcome: one that fails (its own error, a unique
// conflict, a panic) leaves no trace and does not disturb the others; one
// that succeeds is visible through another connection the moment InTx
// returns (no acknowledgement before the shared COMMIT).
func TestGroupCommitIsolatesEachTransaction(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "g.db")
	st := openSQLite(t, path)
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	other := openSQLite(t, path) // a pool of its own: sees committed rows only

	// A first transaction holds the writer while the others queue up, so
	// they are grouped.
	hold, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- st.InTx(ctx, func(tx store.Tx) error {
			close(hold)
			<-release
			_, err := tx.CreateToken(ctx, store.Token{Name: "first", Scopes: []store.Scope{store.ScopeAPI}, Hash: []byte("first")})
			return err
		})
	}()
	<-hold

	const n = 40
	type outcome struct {
		err      error
		panicked any
		visible  bool
	}
	out := make([]outcome, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { out[i].panicked = recover() }()
			name := fmt.Sprintf("tok-%02d", i)
			if i%5 == 3 {
				name = "dup" // all but the first of these conflict
			}
			err := st.InTx(ctx, func(tx store.Tx) error {
				if _, err := tx.CreateToken(ctx, store.Token{Name: name, Scopes: []store.Scope{store.ScopeAPI}, Hash: []byte(name + fmt.Sprint(i))}); err != nil {
					return err
				}
				switch i % 5 {
				case 1:
					return errRefused
				case 4:
					if i == 4 {
						panic("boom")
					}
				}
				return nil
			})
			out[i].err = err
			if err == nil {
				toks, lerr := other.ListTokens(ctx)
				if lerr != nil {
					t.Error(lerr)
				}
				for _, tok := range toks {
					if tok.Name == name {
						out[i].visible = true
					}
				}
			}
		}()
	}
	time.Sleep(100 * time.Millisecond) // let them queue behind the first
	close(release)
	wg.Wait()
	if err := <-first; err != nil {
		t.Fatal(err)
	}

	want := map[string]bool{"first": true}
	dupWon := 0
	for i, o := range out {
		switch {
		case i%5 == 1:
			if !errors.Is(o.err, errRefused) {
				t.Errorf("%d: %v, want its own error", i, o.err)
			}
		case i == 4:
			if o.panicked != "boom" {
				t.Errorf("%d: panic %v, want boom raised in the caller", i, o.panicked)
			}
		case i%5 == 3:
			if o.err == nil {
				dupWon++
				want["dup"] = true
			} else if !errors.Is(o.err, store.ErrConflict) {
				t.Errorf("%d: %v, want a conflict", i, o.err)
			}
		default:
			if o.err != nil {
				t.Errorf("%d: %v", i, o.err)
			}
			want[fmt.Sprintf("tok-%02d", i)] = true
		}
		if o.err == nil && o.panicked == nil && !o.visible {
			t.Errorf("%d: acknowledged but not visible to another connection", i)
		}
	}
	if dupWon != 1 {
		t.Errorf("%d transactions created the duplicate name, want 1", dupWon)
	}
	toks, err := other.ListTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, tok := range toks {
		got[tok.Name] = true
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("stored tokens %v, want %v", got, want)
	}
	if txs, fns := st.GroupCommits(); txs == 0 || fns < 2*txs {
		t.Errorf("group commits: %d transactions carrying %d functions; the queued ones were not grouped", txs, fns)
	}
}

// TestGroupCommitQueuedCancelled: a transaction whose context ends while
// it waits to be grouped gives up without running.
func TestGroupCommitQueuedCancelled(t *testing.T) {
	ctx := t.Context()
	st := openSQLite(t, filepath.Join(t.TempDir(), "c.db"))
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	hold, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- st.InTx(ctx, func(store.Tx) error { close(hold); <-release; return nil })
	}()
	<-hold
	wctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	err := st.InTx(wctx, func(store.Tx) error { t.Error("a cancelled transaction ran"); return nil })
	close(release)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cancelled waiter: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestGroupCommitChainsAuditEventsAtTheEnd: the audit events of grouped
// functions are chained once, after the last function, in function
// order; those of a function that failed or panicked are dropped with its
// savepoint; each caller sees its events chained when InTx returns.
func TestGroupCommitChainsAuditEventsAtTheEnd(t *testing.T) {
	ctx := t.Context()
	st := openSQLite(t, filepath.Join(t.TempDir(), "a.db"))
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC().Truncate(time.Microsecond)
	ev := func(action string) []store.AuditEvent {
		return []store.AuditEvent{{Time: at, Actor: "t", Action: action + ".a", Target: "x"}, {Time: at, Actor: "t", Action: action + ".b", Target: "x"}}
	}
	hold, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- st.InTx(ctx, func(tx store.Tx) error {
			close(hold)
			<-release
			_, err := tx.QueueAuditEvents(ctx, ev("first"))
			return err
		})
	}()
	<-hold
	const n = 12
	var wg sync.WaitGroup
	seen := make([]bool, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { _ = recover() }()
			name := fmt.Sprintf("f%02d", i)
			err := st.InTx(ctx, func(tx store.Tx) error {
				if _, err := tx.QueueAuditEvents(ctx, ev(name)); err != nil {
					return err
				}
				switch i % 4 {
				case 1:
					return errRefused
				case 2:
					if i == 2 {
						panic("boom")
					}
				}
				return nil
			})
			if err != nil {
				return
			}
			evs, err := st.ListAudit(ctx, 0, 100)
			if err != nil {
				t.Error(err)
			}
			for _, e := range evs {
				if e.Action == name+".b" {
					seen[i] = true
				}
			}
		}()
	}
	time.Sleep(100 * time.Millisecond)
	close(release)
	wg.Wait()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	evs, err := st.ListAudit(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	prev := ""
	for i, e := range evs {
		if e.Seq != int64(i+1) || e.PrevHash != prev || e.Hash != store.HashAuditEvent(e) {
			t.Fatalf("event %d does not chain: %+v", i+1, e)
		}
		prev = e.Hash
		got[e.Action] = true
		if strings.HasSuffix(e.Action, ".b") && (i == 0 || evs[i-1].Action != strings.TrimSuffix(e.Action, ".b")+".a") {
			t.Fatalf("a function's events are not together in order at %d: %s", i+1, e.Action)
		}
	}
	for i := range n {
		name := fmt.Sprintf("f%02d", i)
		kept := i%4 != 1 && i != 2
		if got[name+".a"] != kept || got[name+".b"] != kept {
			t.Errorf("%s: events chained %v, want %v", name, got[name+".a"], kept)
		}
		if kept && !seen[i] {
			t.Errorf("%s: InTx returned before its events were chained", name)
		}
	}
	if txs, _ := st.GroupCommits(); txs == 0 {
		t.Error("nothing was grouped")
	}
}
