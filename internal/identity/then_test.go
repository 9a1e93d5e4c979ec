package identity_test

import (
	"context"
	"errors"
	"testing"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestBatchThen: the follow-up runs in the batch's transaction, sees its
// result, and its failure rolls the whole batch back.
func TestBatchThen(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		svc := newService(t, st, testConfig())
		boom := errors.New("boom")
		_, err := svc.Apply(ctx, identity.Batch{Source: "okta",
			Changes: []identity.Change{upsert("u1", map[string]string{"userName": "u1@x.test"})},
			Then: func(ctx context.Context, tx store.Tx, res identity.Result) error {
				if len(res.Applied) != 1 {
					t.Errorf("Then saw %+v", res)
				}
				if _, err := tx.GetPerson(ctx, res.Applied[0].PersonID); err != nil {
					t.Errorf("Then does not see the batch's writes: %v", err)
				}
				return boom
			}})
		if !errors.Is(err, boom) {
			t.Fatalf("error %v, want boom", err)
		}
		if n, _ := st.CountPersons(ctx, store.PersonQuery{}); n != 0 {
			t.Fatalf("%d persons after a failed Then", n)
		}
		if _, err := st.GetSourceLink(ctx, "okta", "u1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("link survived: %v", err)
		}
	})
}
