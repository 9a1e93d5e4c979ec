package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var txTests = []test{
	{"commit", testTxCommit},
	{"rollback on error", testTxRollback},
	{"rollback on panic", testTxPanic},
}

func testTxCommit(t *testing.T, s store.Store) {
	var id string
	err := s.InTx(t.Context(), func(tx store.Tx) error {
		p, err := tx.CreatePerson(t.Context(), store.Person{UserName: "ada"})
		if err != nil {
			return err
		}
		id = p.ID
		if _, err := tx.UpdatePerson(t.Context(), id, func(p store.Person) (store.Person, error) {
			p.Title = "Engineer"
			return p, nil
		}); err != nil {
			return err
		}
		if _, err := tx.PutSourceLink(t.Context(), store.SourceLink{Source: "hr", ExternalID: "1", PersonID: id}); err != nil {
			return err
		}
		appendEvent(t, tx, "create")
		// Reads inside the transaction see its writes.
		got, err := tx.GetPerson(t.Context(), id)
		if err != nil || got.Title != "Engineer" {
			return fmt.Errorf("read own write: %+v, %v", got, err)
		}
		return nil
	})
	must(t, "tx", err)
	p, err := s.GetPerson(t.Context(), id)
	must(t, "get", err)
	if p.Title != "Engineer" {
		t.Fatalf("title %q after commit", p.Title)
	}
	_, err = s.GetSourceLink(t.Context(), "hr", "1")
	must(t, "get link", err)
	verifyChain(t, s, 1)
}

// writeAll makes one write of each kind in tx and returns what to look for.
func writeAll(t *testing.T, tx store.Tx, existing string) error {
	ctx := t.Context()
	p, err := tx.CreatePerson(ctx, store.Person{ID: "rolled-back", UserName: "ghost"})
	if err != nil {
		return err
	}
	if _, err := tx.UpdatePerson(ctx, existing, func(p store.Person) (store.Person, error) {
		p.Title = "changed"
		return p, nil
	}); err != nil {
		return err
	}
	if _, err := tx.PutSourceLink(ctx, store.SourceLink{Source: "hr", ExternalID: "ghost", PersonID: p.ID}); err != nil {
		return err
	}
	if _, err := tx.OpenJobFunction(ctx, store.JobFunctionAssignment{PersonID: existing, JobFunction: "ghost"}); err != nil {
		return err
	}
	if _, err := tx.AppendAudit(ctx, linker(store.AuditEvent{Time: stored(time.Now()), Action: "ghost"})); err != nil {
		return err
	}
	if _, err := tx.CreateSyncRun(ctx, store.SyncRun{Source: "hr", Mode: "full"}); err != nil {
		return err
	}
	_, err = tx.CreateToken(ctx, store.Token{Name: "ghost", Scopes: []store.Scope{store.ScopeAPI}, Hash: []byte("ghost")})
	return err
}

// wantNothingWritten checks none of writeAll's writes is visible.
func wantNothingWritten(t *testing.T, s store.Store, existing store.Person) {
	t.Helper()
	ctx := t.Context()
	_, err := s.GetPerson(ctx, "rolled-back")
	wantErr(t, "created person", err, store.ErrNotFound)
	p, err := s.GetPerson(ctx, existing.ID)
	must(t, "get existing", err)
	same(t, "updated person", p, existing)
	_, err = s.GetSourceLink(ctx, "hr", "ghost")
	wantErr(t, "link", err, store.ErrNotFound)
	jfs, err := s.ListJobFunctions(ctx, existing.ID, true)
	must(t, "job functions", err)
	if len(jfs) != 0 {
		t.Fatalf("job functions survived rollback: %+v", jfs)
	}
	verifyChain(t, s, 0)
	runs, err := s.ListSyncRuns(ctx, "", 10)
	must(t, "sync runs", err)
	if len(runs) != 0 {
		t.Fatalf("sync runs survived rollback: %+v", runs)
	}
	_, err = s.GetTokenByHash(ctx, []byte("ghost"))
	wantErr(t, "token", err, store.ErrNotFound)
	// The audit head rolled back too: the next event is number 1.
	if e := appendEvent(t, s, "after"); e.Seq != 1 || e.PrevHash != "" {
		t.Fatalf("first event after rollback: seq %d prev %q", e.Seq, e.PrevHash)
	}
}

func testTxRollback(t *testing.T, s store.Store) {
	existing := newPerson(t, s, store.Person{UserName: "ada", Title: "Analyst"})
	err := s.InTx(t.Context(), func(tx store.Tx) error {
		if err := writeAll(t, tx, existing.ID); err != nil {
			return err
		}
		return fmt.Errorf("halfway: %w", errBoom)
	})
	wantErr(t, "tx", err, errBoom)
	wantNothingWritten(t, s, existing)
}

func testTxPanic(t *testing.T, s store.Store) {
	existing := newPerson(t, s, store.Person{UserName: "ada", Title: "Analyst"})
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("panic was swallowed")
			}
		}()
		_ = s.InTx(t.Context(), func(tx store.Tx) error {
			if err := writeAll(t, tx, existing.ID); err != nil {
				return err
			}
			panic("halfway")
		})
	}()
	wantNothingWritten(t, s, existing)
}
