package audit_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

func TestConcurrentAppendsNeverFork(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, s *gormstore.Store) {
		const writers, each = 8, 20
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					err := s.InTx(t.Context(), func(tx store.Tx) error {
						_, err := audit.Append(t.Context(), tx, time.Now(), audit.Entry{
							Actor: fmt.Sprintf("writer:%d", w), Action: audit.ActionJobsCanary,
							Target: fmt.Sprintf("item:%d", i), Details: map[string]int{"i": i, "w": w},
						})
						return err
					})
					if err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		rep, err := audit.Verify(t.Context(), s)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Events != writers*each || rep.LastSeq != writers*each {
			t.Fatalf("chain has %d events ending at %d, want %d", rep.Events, rep.LastSeq, writers*each)
		}
	})
}

func TestAppendRollsBackWithItsTransaction(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, s *gormstore.Store) {
		boom := errors.New("boom")
		err := s.InTx(t.Context(), func(tx store.Tx) error {
			if _, err := audit.Append(t.Context(), tx, time.Now(), audit.Entry{Actor: "a", Action: audit.ActionJobsCanary, Target: "t"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
		rep, err := audit.Verify(t.Context(), s)
		if err != nil || rep.Events != 0 {
			t.Fatalf("rolled-back event kept: %+v %v", rep, err)
		}
	})
}

var headHash string

// TestVerifyFindsTampering works on events in memory, so each kind of
// tampering can be made exactly.
func TestVerifyFindsTampering(t *testing.T) {
	chain := func() []store.AuditEvent {
		var evs []store.AuditEvent
		prev := ""
		for i := int64(1); i <= 5; i++ {
			ev := store.AuditEvent{Seq: i, Time: time.Date(2026, 1, 1, 0, 0, int(i), 0, time.UTC), Actor: "a", Action: "x", Target: fmt.Sprint(i), Details: []byte(`{}`), PrevHash: prev}
			ev.Hash = audit.Hash(ev)
			prev = ev.Hash
			evs = append(evs, ev)
		}
		return evs
	}
	tests := []struct {
		name    string
		tamper  func([]store.AuditEvent) []store.AuditEvent
		wantSeq int64 // 0: intact
	}{
		{"intact", func(e []store.AuditEvent) []store.AuditEvent { return e }, 0},
		{"edited details", func(e []store.AuditEvent) []store.AuditEvent { e[2].Details = []byte(`{"x":1}`); return e }, 3},
		{"edited time", func(e []store.AuditEvent) []store.AuditEvent { e[1].Time = e[1].Time.Add(time.Second); return e }, 2},
		{"edited and rehashed", func(e []store.AuditEvent) []store.AuditEvent {
			e[1].Actor = "mallory"
			e[1].Hash = audit.Hash(e[1])
			return e
		}, 3},
		{"deleted middle", func(e []store.AuditEvent) []store.AuditEvent { return append(e[:2], e[3:]...) }, 4},
		{"deleted last", func(e []store.AuditEvent) []store.AuditEvent { return e[:4] }, 5},
		{"swapped contents", func(e []store.AuditEvent) []store.AuditEvent {
			e[1].Target, e[2].Target = e[2].Target, e[1].Target
			return e
		}, 2},
	}
	headHash = chain()[4].Hash
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := audit.Verify(t.Context(), listOnly(tc.tamper(chain())))
			var brk *audit.Break
			switch {
			case tc.wantSeq == 0 && err != nil:
				t.Fatalf("intact chain: %v", err)
			case tc.wantSeq != 0 && (!errors.As(err, &brk) || brk.Seq != tc.wantSeq):
				t.Fatalf("got %v, want a break at %d", err, tc.wantSeq)
			}
		})
	}
}

// listOnly serves ListAudit from a slice and reports the head of the
// untampered chain; Verify needs nothing else. It is a narrow stand-in for
// hand-made tampering a database would not let us stage (renumbered rows),
// not a fake store.
type listOnly []store.AuditEvent

func (l listOnly) GetAuditHead(context.Context) (store.AuditHead, error) {
	// The original chain always has 5 events; see chain().
	return store.AuditHead{Seq: 5, Hash: headHash}, nil
}

func (l listOnly) ListAudit(_ context.Context, after int64, limit int) ([]store.AuditEvent, error) {
	var out []store.AuditEvent
	for _, ev := range l {
		if ev.Seq > after && len(out) < limit {
			out = append(out, ev)
		}
	}
	return out, nil
}

func TestAppendRefusesActionsOutsideTheVocabulary(t *testing.T) {
	st := gormtest.SQLite(t)
	err := st.InTx(t.Context(), func(tx store.Tx) error {
		_, err := audit.Append(t.Context(), tx, time.Now(), audit.Entry{Actor: "a", Action: "nhi.owner-reassigned", Target: "t"})
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "not in the vocabulary") {
		t.Fatalf("old hyphenated name appended: %v", err)
	}
	if got := audit.Canonical("nhi.owner-reassigned"); got != audit.ActionNHIOwnerReassigned {
		t.Fatalf("canonical %q", got)
	}
	if got := audit.Aliases(audit.ActionIdentityLinked); !slices.Equal(got, []string{"auth.identity_linked", "auth.identity-linked"}) {
		t.Fatalf("aliases %q", got)
	}
	for _, a := range audit.Actions() {
		if strings.Contains(a, "-") || strings.ToLower(a) != a || !strings.Contains(a, ".") {
			t.Errorf("action %q is not <object>.<verb> in lower case with underscores", a)
		}
	}
}
