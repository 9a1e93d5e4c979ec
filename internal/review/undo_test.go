package review_test

import (
	"errors"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestUndoDecision: a reviewer takes a decision back to undecided while
// the stage is open; nobody else may, an undecided item has nothing to
// undo, and after the stage closes the decision is final.
func TestUndoDecision(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		clk := newClock()
		ids := loadOrg(t, identityService(t, st, clk.Now), smallOrg)
		cat := testCatalog(ids)
		gPay := grant(t, st, "payroll-admin", ids["fred"], store.AssuranceImported, clk.Now().Add(-30*24*time.Hour))
		svc := newService(t, st, cat, clk, quarterly())
		c, err := svc.Start(ctx, "quarterly-access", "person:"+ids["eve"], review.StartOptions{})
		must(t, "start", err)
		var it store.ReviewItem
		for _, x := range items(t, st, c.ID) {
			if x.GrantID == gPay.ID {
				it = x
			}
		}
		olga := review.Actor{PersonID: ids["olga"]}
		if _, err := svc.Undo(ctx, olga, it.ID); !errors.Is(err, review.ErrInvalid) {
			t.Fatalf("undo of an undecided item: %v", err)
		}
		_, err = svc.Decide(ctx, olga, it.ID, review.Decision{Decision: store.DecisionRevoke, Justification: "left payroll"})
		must(t, "revoke", err)
		if _, err := svc.Undo(ctx, review.Actor{PersonID: ids["mia"]}, it.ID); !errors.Is(err, review.ErrForbidden) {
			t.Fatalf("undo by a non-reviewer: %v", err)
		}
		if _, err := svc.Undo(ctx, review.Actor{PersonID: ids["fred"]}, it.ID); !errors.Is(err, review.ErrForbidden) {
			t.Fatalf("undo by the holder: %v", err)
		}
		got, err := svc.Undo(ctx, olga, it.ID)
		must(t, "undo", err)
		if got.Decision != "" || got.State != store.ItemPending || got.DecidedBy != "" || got.DecidedAt != nil || got.Justification != "" {
			t.Fatalf("after undo: %+v", got)
		}
		if n, err := st.CountOpenReviewItems(ctx, ids["olga"]); err != nil || n != 1 {
			t.Fatalf("olga's open items after undo: %d %v", n, err)
		}
		head, err := st.GetAuditHead(ctx)
		must(t, "audit head", err)
		evs, err := st.ListAudit(ctx, head.Seq-1, 1)
		must(t, "audit", err)
		if len(evs) != 1 || evs[0].Action != "review.undone" || evs[0].Actor != "person:"+ids["olga"] {
			t.Fatalf("last audit event: %+v", evs)
		}
		_, err = svc.Decide(ctx, olga, it.ID, review.Decision{Decision: store.DecisionCertify, Justification: "still needed"})
		must(t, "decide again", err)
		clk.Add(15 * 24 * time.Hour)
		must(t, "tick", svc.Tick(ctx))
		if _, err := svc.Undo(ctx, olga, it.ID); !errors.Is(err, review.ErrClosed) {
			t.Fatalf("undo after the stage closed: %v", err)
		}
		final, err := st.GetReviewItem(ctx, it.ID)
		must(t, "get", err)
		if final.Decision != store.DecisionCertify || final.State != store.ItemFinal {
			t.Fatalf("final item: %+v", final)
		}
	})
}
