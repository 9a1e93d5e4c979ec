package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var auditQueueTests = []test{
	{"queued events are chained when the write returns", testAuditQueueChained},
	{"queued events of a rolled-back transaction leave no trace", testAuditQueueRollback},
	{"concurrent queued writers never fork the chain", testAuditQueueConcurrent},
}

func queued(action string, n int) []store.AuditEvent {
	evs := make([]store.AuditEvent, n)
	for i := range evs {
		evs[i] = store.AuditEvent{Time: stored(time.Now()), Actor: "tester", Action: fmt.Sprintf("%s.%d", action, i),
			Target: "person/1", Details: []byte(`{"a":"x","b":1}`)}
	}
	return evs
}

// readChain returns the whole chain, checked with the store's hash:
// contiguous sequence numbers from 1, each event linked to the one before.
func readChain(t *testing.T, s store.Tx) []store.AuditEvent {
	t.Helper()
	var all []store.AuditEvent
	for after := int64(0); ; {
		page, err := s.ListAudit(t.Context(), after, 200)
		must(t, "list audit", err)
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
		after = page[len(page)-1].Seq
	}
	prev := ""
	for i, e := range all {
		switch {
		case e.Seq != int64(i+1):
			t.Fatalf("event %d has seq %d: gap or duplicate", i+1, e.Seq)
		case e.PrevHash != prev:
			t.Fatalf("event %d: prev hash %q, want %q: the chain forked", e.Seq, e.PrevHash, prev)
		case e.Hash != store.HashAuditEvent(e):
			t.Fatalf("event %d: hash does not match its stored contents", e.Seq)
		}
		prev = e.Hash
	}
	head, err := s.GetAuditHead(t.Context())
	must(t, "head", err)
	if head.Seq != int64(len(all)) || head.Hash != prev {
		t.Fatalf("head %+v after %d events ending %q", head, len(all), prev)
	}
	return all
}

// appendDirect chains an event with AppendAudit (the head locked in the
// transaction), hashed as queued events are.
func appendDirect(t *testing.T, s store.Tx, action string) {
	t.Helper()
	_, err := s.AppendAudit(t.Context(), func(h store.AuditHead) (store.AuditEvent, error) {
		e := store.AuditEvent{Seq: h.Seq + 1, PrevHash: h.Hash, Time: stored(time.Now()), Actor: "tester", Action: action,
			Target: "person/1", Details: []byte(`{}`)}
		e.Hash = store.HashAuditEvent(e)
		return e, nil
	})
	must(t, "append "+action, err)
}

func testAuditQueueChained(t *testing.T, s store.Store) {
	appendDirect(t, s, "chained.directly") // an event chained by AppendAudit before
	first := stored(time.Now().Add(-time.Hour))
	err := s.InTx(t.Context(), func(tx store.Tx) error {
		evs := queued("in.tx", 3)
		evs[0].Time = first
		_, err := tx.QueueAuditEvents(t.Context(), evs)
		return err
	})
	must(t, "queue in a transaction", err)
	_, err = s.QueueAuditEvents(t.Context(), queued("alone", 1))
	must(t, "queue outside a transaction", err)
	// More events than one statement inserts (several statements, the
	// last with the try for the head) keep their order.
	_, err = s.QueueAuditEvents(t.Context(), queued("many", 40))
	must(t, "queue many", err)
	_, err = s.QueueAuditEvents(t.Context(), []store.AuditEvent{{Time: time.Now().Add(time.Nanosecond), Action: "x"}})
	if err == nil {
		t.Fatal("a time finer than microseconds was accepted")
	}
	all := readChain(t, s)
	var actions []string
	for _, e := range all {
		actions = append(actions, e.Action)
	}
	want := []string{"chained.directly", "in.tx.0", "in.tx.1", "in.tx.2", "alone.0"}
	for i := range 40 {
		want = append(want, fmt.Sprintf("many.%d", i))
	}
	if !slices.Equal(actions, want) {
		t.Fatalf("chain holds %v", actions)
	}
	if e := all[1]; !e.Time.Equal(first) || e.Actor != "tester" || e.Target != "person/1" || string(e.Details) != `{"a":"x","b":1}` {
		t.Fatalf("queued event stored as %+v", e)
	}
	appendDirect(t, s, "chained.after")
	if n := len(readChain(t, s)); n != len(want)+1 {
		t.Fatalf("%d events after a direct append", n)
	}
}

func testAuditQueueRollback(t *testing.T, s store.Store) {
	boom := errors.New("boom")
	err := s.InTx(t.Context(), func(tx store.Tx) error {
		if _, err := tx.QueueAuditEvents(t.Context(), queued("rolled.back", 2)); err != nil {
			return err
		}
		return boom
	})
	wantErr(t, "rolled back", err, boom)
	_, err = s.QueueAuditEvents(t.Context(), queued("kept", 1))
	must(t, "queue", err)
	all := readChain(t, s)
	if len(all) != 1 || all[0].Action != "kept.0" {
		t.Fatalf("chain holds %+v", all)
	}
}

func testAuditQueueConcurrent(t *testing.T, s store.Store) {
	const writers, each = 8, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				err := s.InTx(t.Context(), func(tx store.Tx) error {
					_, err := tx.QueueAuditEvents(t.Context(), queued(fmt.Sprintf("w%d.%d", w, i), 2))
					return err
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	all := readChain(t, s)
	if len(all) != writers*each*2 {
		t.Fatalf("%d events, want %d", len(all), writers*each*2)
	}
	// Each writer's transactions are chained in the order they committed,
	// and a transaction's two events in their order.
	pos := map[string]int{}
	for i, e := range all {
		pos[e.Action] = i
	}
	for w := range writers {
		for i := range each {
			a, b := pos[fmt.Sprintf("w%d.%d.0", w, i)], pos[fmt.Sprintf("w%d.%d.1", w, i)]
			if a >= b {
				t.Fatalf("writer %d transaction %d: events chained out of order (%d, %d)", w, i, a, b)
			}
			if i > 0 && pos[fmt.Sprintf("w%d.%d.1", w, i-1)] >= a {
				t.Fatalf("writer %d: transaction %d chained before transaction %d", w, i, i-1)
			}
		}
	}
}
