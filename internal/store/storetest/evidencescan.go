package storetest

import (
	"errors"
	"github.com/syncd-dev/syncd/internal/audit"
	"testing"

	"github.com/syncd-dev/syncd/internal/store"
)

var evidenceScanTests = []test{
	{"audit events by action after a seq, in order", testAuditByAction},
	{"a snapshot does not see what commits after its first read", testSnapshot},
}

func testAuditByAction(t *testing.T, s store.Store) {
	var want []int64
	for i, action := range []string{audit.ActionPersonUpdated, audit.ActionGrantRevoked, audit.ActionPersonStatusChanged, audit.ActionPersonUpdated, audit.ActionCampaignStarted, audit.ActionPersonUpdated} {
		e := appendEvent(t, s, action)
		if i > 0 && action != audit.ActionGrantRevoked && action != audit.ActionCampaignStarted {
			want = append(want, e.Seq)
		}
	}
	first := want[0] - 1 // the seq before the second event
	var got []int64
	after := first
	for {
		page, err := s.ListAuditByAction(t.Context(), after, []string{audit.ActionPersonUpdated, audit.ActionPersonStatusChanged}, 2)
		must(t, "list", err)
		for _, e := range page {
			got = append(got, e.Seq)
		}
		if len(page) < 2 {
			break
		}
		after = page[len(page)-1].Seq
	}
	same(t, "seqs", got, want)
	none, err := s.ListAuditByAction(t.Context(), 0, nil, 10)
	must(t, "no actions", err)
	if len(none) != 0 {
		t.Fatalf("no actions listed %d events", len(none))
	}
}

func testSnapshot(t *testing.T, s store.Store) {
	ctx := t.Context()
	p, err := s.CreatePerson(ctx, store.Person{UserName: "snap", Title: "before", Status: store.StatusActive})
	must(t, "create", err)
	err = s.InSnapshot(ctx, func(tx store.Reader) error {
		if _, err := tx.GetPerson(ctx, p.ID); err != nil {
			return err
		}
		// Commits outside the snapshot, after its first read.
		if _, err := s.UpdatePerson(ctx, p.ID, func(p store.Person) (store.Person, error) { p.Title = "after"; return p, nil }); err != nil {
			return err
		}
		other, err := s.CreatePerson(ctx, store.Person{UserName: "later", Status: store.StatusActive})
		if err != nil {
			return err
		}
		got, err := tx.GetPerson(ctx, p.ID)
		if err != nil {
			return err
		}
		if got.Title != "before" {
			t.Errorf("snapshot sees title %q, want before", got.Title)
		}
		if _, err := tx.GetPerson(ctx, other.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("snapshot sees a person created after its first read: %v", err)
		}
		return nil
	})
	must(t, "snapshot", err)
	got, err := s.GetPerson(ctx, p.ID)
	must(t, "get", err)
	if got.Title != "after" {
		t.Fatalf("after the snapshot: title %q", got.Title)
	}
}
