package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var closePopulationTests = []test{
	{"close population round trip, keyset pages", testClosePopulationRoundTrip},
	{"close evaluation once per campaign", testCloseEvaluationOnce},
	{"close population refuses rows twice and unknown campaigns", testClosePopulationRefuses},
}

func closeRow(c store.Campaign, seq int64) store.ClosePopulationRow {
	exp, used := at(time.Duration(seq)*time.Hour+365*24*time.Hour), at(-time.Duration(seq)*time.Minute)
	r := store.ClosePopulationRow{CampaignID: c.ID, Seq: seq, GrantID: fmt.Sprintf("g-%03d", seq), HolderID: "p-1", HolderName: "Ada",
		EmployeeNumber: "E-1", Department: "Finance", Title: "Analyst", ManagerID: "p-2", ManagerName: "Mia", HolderStatus: "active",
		ItemID: "ledger", ItemName: "Ledger", ItemOwnerID: "p-3", ItemOwnerName: "Olga", Risk: "high", ObtainedBy: "requested",
		Assurance: "approved", RequestID: "r-1", InScope: seq != 3, Start: at(-time.Duration(seq) * time.Hour), Expiry: &exp, LastUsedAt: &used}
	switch seq % 3 {
	case 0:
		r.ReviewItemID, r.Decision, r.Remediation, r.RevokedStillHeld = seq*10, store.DecisionRevoke, store.RemediationFailed, true
	case 1:
		r.ReviewItemID, r.Decision = seq*10, store.DecisionCertify
		r.Expiry, r.LastUsedAt = nil, nil
	default:
		r.GrantID, r.NHIID, r.ItemID, r.Note = "", fmt.Sprintf("n-%03d", seq), "", "created after the campaign started"
	}
	return r
}

func testClosePopulationRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := newCampaign(t, s, "close-pop", "p1")
	other := newCampaign(t, s, "close-pop", "p2")
	var want []store.ClosePopulationRow
	err := s.InTx(ctx, func(tx store.Tx) error {
		for b := int64(0); b < 3; b++ {
			var batch []store.ClosePopulationRow
			for i := b*5 + 1; i <= b*5+5; i++ {
				batch = append(batch, closeRow(c, i))
			}
			if err := tx.AddClosePopulation(ctx, batch); err != nil {
				return err
			}
			want = append(want, batch...)
		}
		if err := tx.AddClosePopulation(ctx, []store.ClosePopulationRow{closeRow(other, 1)}); err != nil {
			return err
		}
		return tx.CreateCloseEvaluation(ctx, store.CloseEvaluation{CampaignID: c.ID, EvaluatedAt: at(time.Hour), Scope: `grant.risk == "high"`, Rows: 15})
	})
	must(t, "write", err)
	e, err := s.GetCloseEvaluation(ctx, c.ID)
	must(t, "get evaluation", err)
	if e.CampaignID != c.ID || !e.EvaluatedAt.Equal(at(time.Hour).Truncate(time.Microsecond)) || e.EvaluatedAt.Location() != time.UTC || e.Scope != `grant.risk == "high"` || e.Rows != 15 {
		t.Fatalf("evaluation = %+v", e)
	}
	var got []store.ClosePopulationRow
	var after int64
	for {
		page, err := s.ListClosePopulation(ctx, c.ID, after, 4)
		must(t, "list", err)
		got = append(got, page...)
		if len(page) < 4 {
			break
		}
		after = page[len(page)-1].Seq
	}
	for i := range want {
		w := &want[i]
		w.Start = w.Start.UTC().Truncate(time.Microsecond)
		if w.Expiry != nil {
			v := w.Expiry.UTC().Truncate(time.Microsecond)
			w.Expiry = &v
		}
		if w.LastUsedAt != nil {
			v := w.LastUsedAt.UTC().Truncate(time.Microsecond)
			w.LastUsedAt = &v
		}
	}
	same(t, "rows", got, want)
	if _, err := s.GetCloseEvaluation(ctx, other.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("evaluation of a campaign without one: %v", err)
	}
	rest, err := s.ListClosePopulation(ctx, other.ID, 0, 0)
	must(t, "list other", err)
	if len(rest) != 1 || rest[0].CampaignID != other.ID {
		t.Fatalf("other campaign's rows: %+v", rest)
	}
}

// testCloseEvaluationOnce: two transactions recording the evaluation of
// the same campaign at once; exactly one commits, the other conflicts.
func testCloseEvaluationOnce(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := newCampaign(t, s, "close-once", "p1")
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.InTx(ctx, func(tx store.Tx) error {
				if err := tx.CreateCloseEvaluation(ctx, store.CloseEvaluation{CampaignID: c.ID, EvaluatedAt: at(time.Duration(i) * time.Hour), Rows: 1}); err != nil {
					return err
				}
				return tx.AddClosePopulation(ctx, []store.ClosePopulationRow{closeRow(c, 1)})
			})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, store.ErrConflict):
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d evaluations committed, want 1 (%v)", ok, errs)
	}
	rows, err := s.ListClosePopulation(ctx, c.ID, 0, 10)
	must(t, "list", err)
	if len(rows) != 1 {
		t.Fatalf("%d rows, want 1", len(rows))
	}
}

func testClosePopulationRefuses(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := newCampaign(t, s, "close-refuse", "p1")
	must(t, "add", s.AddClosePopulation(ctx, []store.ClosePopulationRow{closeRow(c, 1)}))
	wantErr(t, "row twice", s.AddClosePopulation(ctx, []store.ClosePopulationRow{closeRow(c, 1)}), store.ErrConflict)
	unknown := closeRow(store.Campaign{ID: "no-such-campaign"}, 1)
	wantErr(t, "unknown campaign", s.AddClosePopulation(ctx, []store.ClosePopulationRow{unknown}), store.ErrNotFound)
	wantErr(t, "evaluation of an unknown campaign", s.CreateCloseEvaluation(ctx, store.CloseEvaluation{CampaignID: "no-such-campaign", EvaluatedAt: at(0)}), store.ErrNotFound)
	bad := closeRow(c, 3)
	bad.NHIID = "n-1" // both a grant and an NHI
	if err := s.AddClosePopulation(ctx, []store.ClosePopulationRow{bad}); err == nil {
		t.Fatal("a row with both a grant and an NHI was stored")
	}
	must(t, "evaluation", s.CreateCloseEvaluation(ctx, store.CloseEvaluation{CampaignID: c.ID, EvaluatedAt: at(0), Rows: 1}))
	wantErr(t, "evaluation twice", s.CreateCloseEvaluation(ctx, store.CloseEvaluation{CampaignID: c.ID, EvaluatedAt: at(time.Hour)}), store.ErrConflict)
}
