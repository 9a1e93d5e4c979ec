package audit_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// BenchmarkAuditAppend measures the audit append rate: one event per
// transaction (a SCIM request) and 500 per transaction (a sync batch), on
// SQLite and, when SYNCD_TEST_POSTGRES_DSN is set, PostgreSQL.
//
//	go test -run '^$' -bench BenchmarkAuditAppend -benchtime 2s ./internal/audit/
func BenchmarkAuditAppend(b *testing.B) {
	stores := []struct {
		name string
		open func(testing.TB) *gormstore.Store
	}{
		{gormstore.DriverSQLite, gormtest.SQLite},
		{gormstore.DriverPostgres, gormtest.Postgres}, // skipped without the DSN
	}
	for _, s := range stores {
		for _, perTx := range []int{1, 500} {
			b.Run(fmt.Sprintf("%s/per-tx-%d", s.name, perTx), func(b *testing.B) {
				st := s.open(b)
				ctx := b.Context()
				now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
				entry := audit.Entry{Actor: "source:bench", Action: "person.updated", Target: "person:1",
					Details: map[string]any{"source": "bench", "changes": []string{"title"}}}
				events := 0
				start := time.Now()
				for b.Loop() {
					err := st.InTx(ctx, func(tx store.Tx) error {
						for range perTx {
							if _, err := audit.Append(ctx, tx, now, entry); err != nil {
								return err
							}
						}
						return nil
					})
					if err != nil {
						b.Fatal(err)
					}
					events += perTx
				}
				b.ReportMetric(float64(events)/time.Since(start).Seconds(), "events/s")
			})
		}
	}
}
