package identity_test

import (
	"fmt"
	"testing"
	"time"

	_ "modernc.org/sqlite" // registers "sqlite" for the modernc sub-benchmark

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

const (
	benchPersons = 10000
	benchBatch   = 500
)

// BenchmarkApply applies 10,000 new persons, then 10,000 updates (a new
// title for everyone, so job functions move), in batches of 500, and
// reports persons per second for each phase. Every person but the first of
// each hundred has a manager named by external id.
//
//	go test -run '^$' -bench BenchmarkApply -benchtime 1x ./internal/identity/
func BenchmarkApply(b *testing.B) {
	b.Run("sqlite-mattn", func(b *testing.B) {
		benchApply(b, func(b *testing.B) *gormstore.Store { return gormtest.SQLiteDriver(b, gormstore.SQLiteMattn) })
	})
	b.Run("sqlite-modernc", func(b *testing.B) {
		benchApply(b, func(b *testing.B) *gormstore.Store { return gormtest.SQLiteDriver(b, gormstore.SQLiteModernc) })
	})
	b.Run("postgres", func(b *testing.B) { // skipped without SYNCD_TEST_POSTGRES_DSN
		benchApply(b, func(b *testing.B) *gormstore.Store { return gormtest.Postgres(b) })
	})
}

func benchApply(b *testing.B, open func(*testing.B) *gormstore.Store) {
	cfg := testConfig()
	cfg.Rules = append(cfg.Rules,
		identity.Rule{Name: "engineer", JobFunction: "engineer", When: `person.department == "Engineering"`},
		identity.Rule{Name: "manager", JobFunction: "people-manager", When: `person.title.endsWith("Manager")`},
	)
	departments := []string{"Finance", "Engineering", "Sales", "Support"}
	record := func(i int, title string) identity.Change {
		ext := fmt.Sprintf("emp-%05d", i)
		var mgr *identity.ManagerRef
		if i%100 != 0 {
			mgr = &identity.ManagerRef{ExternalID: fmt.Sprintf("emp-%05d", i-i%100)}
		}
		return identity.Change{Op: identity.OpUpsert, Record: identity.Record{
			ExternalID: ext,
			Manager:    mgr,
			Raw:        []byte(`{"id":"` + ext + `"}`),
			Attributes: map[string]string{
				"employeeNumber": fmt.Sprintf("E%05d", i),
				"email":          ext + "@example.com",
				"userName":       ext,
				"givenName":      "Given",
				"familyName":     fmt.Sprintf("Family%d", i),
				"department":     departments[i%len(departments)],
				"title":          title,
				"costCenter":     fmt.Sprintf("CC%d", i%50),
			},
		}}
	}
	phase := func(b *testing.B, svc *identity.Service, title func(i int) string) time.Duration {
		start := time.Now()
		for lo := 0; lo < benchPersons; lo += benchBatch {
			changes := make([]identity.Change, 0, benchBatch)
			for i := lo; i < lo+benchBatch; i++ {
				changes = append(changes, record(i, title(i)))
			}
			res, err := svc.Apply(b.Context(), identity.Batch{Source: "workday", Changes: changes})
			if err != nil {
				b.Fatal(err)
			}
			if len(res.Rejected) > 0 {
				b.Fatalf("rejected: %+v", res.Rejected[0])
			}
		}
		return time.Since(start)
	}
	var created, updated time.Duration
	for b.Loop() {
		b.StopTimer()
		st := open(b)
		svc, err := identity.New(cfg, st)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		created += phase(b, svc, func(i int) string {
			if i%100 == 0 {
				return "Engineering Manager"
			}
			return "Accountant"
		})
		updated += phase(b, svc, func(i int) string {
			if i%100 == 0 {
				return "Engineering Manager"
			}
			return "Controller"
		})
		b.StopTimer()
		st.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(benchPersons*b.N)/created.Seconds(), "created/s")
	b.ReportMetric(float64(benchPersons*b.N)/updated.Seconds(), "updated/s")
}
