package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var auditTests = []test{
	{"append and list", testAuditAppendList},
	{"build error", testAuditBuildError},
	{"broken link refused", testAuditBrokenLink},
	{"concurrent appenders", testAuditConcurrent},
	{"batch append", testAuditBatch},
}

// testAuditBatch appends several events under one lock: they chain from the
// head and from each other, and a batch with a broken link stores nothing.
func testAuditBatch(t *testing.T, s store.Store) {
	appendEvent(t, s, "first")
	batch := func(n int, breakAt int) func(store.AuditHead) ([]store.AuditEvent, error) {
		return func(h store.AuditHead) ([]store.AuditEvent, error) {
			var evs []store.AuditEvent
			for i := range n {
				e := store.AuditEvent{Time: stored(time.Now()), Actor: "tester", Action: fmt.Sprintf("batch.%d", i), Target: "t", Details: []byte(`{}`)}
				e.Seq, e.PrevHash = h.Seq+1, h.Hash
				if i == breakAt {
					e.PrevHash = "not-the-previous-hash"
				}
				e.Hash = chainHash(e.PrevHash, e)
				evs = append(evs, e)
				h = store.AuditHead{Seq: e.Seq, Hash: e.Hash}
			}
			return evs, nil
		}
	}
	_, err := s.AppendAuditEvents(t.Context(), batch(5, 3))
	wantErr(t, "broken batch", err, store.ErrConflict)
	verifyChain(t, s, 1)

	evs, err := s.AppendAuditEvents(t.Context(), batch(5, -1))
	must(t, "batch", err)
	if len(evs) != 5 || evs[0].Seq != 2 || evs[4].Seq != 6 {
		t.Fatalf("batch stored %+v", evs)
	}
	appendEvent(t, s, "after")
	verifyChain(t, s, 7)

	evs, err = s.AppendAuditEvents(t.Context(), func(store.AuditHead) ([]store.AuditEvent, error) { return nil, nil })
	must(t, "empty batch", err)
	if len(evs) != 0 {
		t.Fatalf("empty batch stored %d", len(evs))
	}
	verifyChain(t, s, 7)
}

// chainHash is the test's hash: sha256 of the previous hash and a payload.
func chainHash(prev string, e store.AuditEvent) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s|%d|%s|%s|%s|%s|%s",
		prev, e.Seq, e.Time.UTC().Format(time.RFC3339Nano), e.Actor, e.Action, e.Target, e.Details))
	return hex.EncodeToString(sum[:])
}

// linker returns a build func appending e after whatever the head is.
func linker(e store.AuditEvent) func(store.AuditHead) (store.AuditEvent, error) {
	return func(h store.AuditHead) (store.AuditEvent, error) {
		e.Seq, e.PrevHash = h.Seq+1, h.Hash
		e.Hash = chainHash(h.Hash, e)
		return e, nil
	}
}

func appendEvent(t *testing.T, s store.Tx, action string) store.AuditEvent {
	t.Helper()
	e, err := s.AppendAudit(t.Context(), linker(store.AuditEvent{
		Time: stored(time.Now()), Actor: "tester", Action: action, Target: "person/1",
		Details: []byte(`{"b":1,"a":"x"}`),
	}))
	must(t, "append "+action, err)
	return e
}

// verifyChain checks the whole log: contiguous sequence numbers from 1,
// each event linked to the one before, each hash recomputable.
func verifyChain(t *testing.T, s store.Tx, want int) {
	t.Helper()
	var all []store.AuditEvent
	for after := int64(0); ; {
		page, err := s.ListAudit(t.Context(), after, 50)
		must(t, "list audit", err)
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
		after = page[len(page)-1].Seq
	}
	if len(all) != want {
		t.Fatalf("%d events, want %d", len(all), want)
	}
	prev := ""
	for i, e := range all {
		switch {
		case e.Seq != int64(i+1):
			t.Fatalf("event %d has seq %d: gap or duplicate", i+1, e.Seq)
		case e.PrevHash != prev:
			t.Fatalf("event %d: prev hash %q, want %q: the chain forked", e.Seq, e.PrevHash, prev)
		case e.Hash != chainHash(prev, e):
			t.Fatalf("event %d: hash does not match its stored contents", e.Seq)
		}
		prev = e.Hash
	}
}

func testAuditAppendList(t *testing.T, s store.Store) {
	ctx := t.Context()
	events, err := s.ListAudit(ctx, 0, 10)
	must(t, "list empty", err)
	if len(events) != 0 {
		t.Fatalf("new store has %d audit events", len(events))
	}
	var heads []store.AuditHead
	_, err = s.AppendAudit(ctx, func(h store.AuditHead) (store.AuditEvent, error) {
		heads = append(heads, h)
		return linker(store.AuditEvent{Time: at(0).Truncate(time.Microsecond), Action: "first"})(h)
	})
	must(t, "append first", err)
	same(t, "empty head", heads, []store.AuditHead{{Seq: 0, Hash: ""}})

	second := appendEvent(t, s, "second")
	third := appendEvent(t, s, "third")
	wantStamp(t, "Time", third.Time)
	if string(third.Details) != `{"b":1,"a":"x"}` {
		t.Fatalf("details changed: %s", third.Details)
	}
	got, err := s.ListAudit(ctx, 1, 10)
	must(t, "list after 1", err)
	same(t, "after 1", got, []store.AuditEvent{second, third})
	got, err = s.ListAudit(ctx, 0, 2)
	must(t, "list limit 2", err)
	if len(got) != 2 || got[0].Seq != 1 || got[1].Seq != 2 {
		t.Fatalf("limit 2 gave %+v", got)
	}
	if got[0].Time.Location() != time.UTC || !got[0].Time.Equal(at(0).Truncate(time.Microsecond)) {
		t.Fatalf("time %v, want %v in UTC", got[0].Time, at(0))
	}
	verifyChain(t, s, 3)
}

func testAuditBuildError(t *testing.T, s store.Store) {
	_, err := s.AppendAudit(t.Context(), func(store.AuditHead) (store.AuditEvent, error) {
		return store.AuditEvent{}, fmt.Errorf("canonicalise: %w", errBoom)
	})
	wantErr(t, "append", err, errBoom)
	verifyChain(t, s, 0)
}

func testAuditBrokenLink(t *testing.T, s store.Store) {
	appendEvent(t, s, "first")
	cases := []struct {
		name string
		mod  func(*store.AuditEvent)
	}{
		{"reused seq", func(e *store.AuditEvent) { e.Seq-- }},
		{"skipped seq", func(e *store.AuditEvent) { e.Seq++ }},
		{"wrong prev hash", func(e *store.AuditEvent) { e.PrevHash = "bogus" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.AppendAudit(t.Context(), func(h store.AuditHead) (store.AuditEvent, error) {
				e, err := linker(store.AuditEvent{Time: stored(time.Now()), Action: "bad"})(h)
				tc.mod(&e)
				return e, err
			})
			wantErr(t, "append", err, store.ErrConflict)
		})
	}
	verifyChain(t, s, 1)
}

// testAuditConcurrent appends from several goroutines at once: the chain
// lock must keep sequence numbers contiguous and the chain unforked.
func testAuditConcurrent(t *testing.T, s store.Store) {
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				_, err := s.AppendAudit(t.Context(), linker(store.AuditEvent{
					Time: stored(time.Now()), Actor: fmt.Sprintf("worker-%d", w), Action: fmt.Sprintf("event-%d", i),
				}))
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, "concurrent append", err)
	}
	verifyChain(t, s, workers*each)
}
