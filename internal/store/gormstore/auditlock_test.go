package gormstore_test

import (
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
	"github.com/syncd-dev/syncd/internal/token"
)

// TestAuditLockHoldMeasured: a transaction that appends to the audit chain
// is counted with how long it held the head; one that does not is not.
func TestAuditLockHoldMeasured(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		if n, _, _ := st.AuditLockHold(); n != 0 {
			t.Fatalf("%d holds before any write", n)
		}
		if err := st.InTx(ctx, func(tx store.Tx) error {
			_, err := tx.CreatePerson(ctx, store.Person{UserName: "p"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n, _, _ := st.AuditLockHold(); n != 0 {
			t.Fatalf("%d holds after a write without audit", n)
		}
		for i := range 3 {
			if _, _, err := token.Issue(ctx, st, time.Now(), "test", "t"+string(rune('a'+i)), store.ScopeAPI, ""); err != nil {
				t.Fatal(err)
			}
		}
		n, mean, longest := st.AuditLockHold()
		if n != 3 || mean <= 0 || longest < mean {
			t.Fatalf("holds %d, mean %s, longest %s; want 3 with 0 < mean <= longest", n, mean, longest)
		}
	})
}
