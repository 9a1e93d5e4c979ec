package review_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// benchSize is the number of grants: REVIEW_BENCH_GRANTS, 1,000,000 by
// default (the target).
func benchSize(b *testing.B) int {
	if v := os.Getenv("REVIEW_BENCH_GRANTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	return 1_000_000
}

// seedLarge writes persons (a management tree, ten job functions) and n
// active grants over twenty catalog items with set-based SQL: the setup,
// not what is measured.
func seedLarge(b *testing.B, dsn string, persons, n int) {
	b.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		fmt.Sprintf(`INSERT INTO persons (id, user_name, email, department, manager_id, status, created_at, updated_at)
			SELECT 'p' || lpad(i::text, 7, '0'), 'user' || i, 'user' || i || '@example.com', 'dept' || (i %% 20),
			       CASE WHEN i = 0 THEN '' ELSE 'p' || lpad(((i - 1) / 10)::text, 7, '0') END, 'active', now(), now()
			FROM generate_series(0, %d) AS i`, persons-1),
		fmt.Sprintf(`INSERT INTO job_function_assignments (person_id, job_function, rule, valid_from)
			SELECT 'p' || lpad(i::text, 7, '0'), 'jf' || (i %% 10), 'r', now() FROM generate_series(0, %d) AS i`, persons-1),
		fmt.Sprintf(`INSERT INTO grants (id, item_id, holder_id, assurance, start_at, end_at, state, fulfillment_status, created_at, updated_at)
			SELECT 'g' || lpad(i::text, 9, '0'), 'item' || (i %% 20), 'p' || lpad((i %% %d)::text, 7, '0'),
			       CASE WHEN i %% 2 = 0 THEN 'approved' ELSE 'imported' END, now() - interval '30 days', now() + interval '300 days',
			       'active', 'done', now(), now()
			FROM generate_series(1, %d) AS i`, persons, n),
		`ANALYZE`,
	} {
		if _, err := db.Exec(q); err != nil {
			b.Fatalf("seed: %v", err)
		}
	}
}

func benchCatalog() *catalog.Catalog {
	cat := &catalog.Catalog{ApproverGroups: map[string][]string{"auditors": {"p0000001", "p0000002"}}}
	for i := range 20 {
		it := catalog.Item{ItemSpec: policy.ItemSpec{ID: fmt.Sprintf("item%d", i), Name: fmt.Sprintf("Item %d", i), Kind: "app-role",
			Risk: []string{policy.RiskLow, policy.RiskMedium, policy.RiskHigh}[i%3], OwnerID: fmt.Sprintf("p%07d", i+3)},
			Fulfillment: catalog.Fulfillment{Type: "manual"}}
		if i%4 == 0 {
			it.Eligibility.JobFunctions = []string{fmt.Sprintf("jf%d", i%10)}
		}
		cat.Items = append(cat.Items, it)
	}
	return cat
}

// peakRSS reads the process's peak resident set (VmHWM) in MiB.
func peakRSS() float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return -1
}

// BenchmarkCampaignPostgres generates a campaign over REVIEW_BENCH_GRANTS
// grants on PostgreSQL and reports the generation time and the process's
// peak RSS, the p99 of single decisions written into it, and the time of
// `campaign status`:
//
//	SYNCD_TEST_POSTGRES_DSN=... go test -run '^$' -bench CampaignPostgres -benchtime 1x -timeout 60m ./internal/review/
func BenchmarkCampaignPostgres(b *testing.B) {
	dsn := gormtest.FreshDSN(b, gormstore.DriverPostgres)
	st, err := gormstore.Open(context.Background(), gormstore.Options{Driver: gormstore.DriverPostgres, DSN: dsn, MaxOpenConns: 8})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	n := benchSize(b)
	persons := max(n/20, 100)
	began := time.Now()
	seedLarge(b, dsn, persons, n)
	b.Logf("seeded %d grants over %d persons in %s", n, persons, time.Since(began).Round(time.Second))

	def := review.Definition{
		Name: "bench", Kind: store.CampaignGrants, Scope: `grant.source in ["requested", "imported"]`, FallbackGroup: "auditors",
		Stages:   []review.Stage{{Reviewers: []string{"manager"}, Fallback: []string{"item-owner"}}},
		Duration: 14 * 24 * time.Hour, Default: review.Default{Action: review.DefaultRecommendation, CapPercent: 20},
		Recommend: review.Recommend{PeerPercent: 10},
	}
	svc, err := review.NewService(st, []review.Definition{def})
	if err != nil {
		b.Fatal(err)
	}
	svc.Catalog = staticCatalog{benchCatalog()}
	for b.Loop() {
		ctx := context.Background()
		start := time.Now()
		c, err := svc.Start(ctx, "bench", "bench", review.StartOptions{})
		if err != nil {
			b.Fatal(err)
		}
		gen := time.Since(start)
		if c.Generated != n {
			b.Fatalf("generated %d items, want %d", c.Generated, n)
		}
		b.ReportMetric(gen.Seconds(), "generate-s")
		b.ReportMetric(peakRSS(), "peak-rss-MB")

		// Decision writes: random items, each decided by its reviewer.
		r := rand.New(rand.NewPCG(1, 1))
		first, err := st.ListReviewItems(ctx, store.ReviewItemQuery{CampaignID: c.ID, Limit: 1})
		if err != nil {
			b.Fatal(err)
		}
		var lat []time.Duration
		for range 500 {
			id := first[0].ID + int64(r.IntN(n))
			it, err := st.GetReviewItem(ctx, id)
			if err != nil || len(it.ReviewerIDs) == 0 {
				continue
			}
			t0 := time.Now()
			if _, err := svc.Decide(ctx, review.Actor{PersonID: it.ReviewerIDs[0], Issuer: "bench", Subject: "s"}, id,
				review.Decision{Decision: store.DecisionCertify, Justification: "still needed"}); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "decide-p99-ms")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "decide-p50-ms")

		t0 := time.Now()
		stat, err := svc.Status(ctx, c.ID)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(time.Since(t0).Milliseconds()), "status-ms")
		if stat.Total != n {
			b.Fatalf("status total %d", stat.Total)
		}
		// Closing applies the capped default to every undecided item in
		// one transaction: measured on request (it is the slow path).
		if os.Getenv("REVIEW_BENCH_CLOSE") != "" {
			t0 := time.Now()
			if _, err := svc.Close(ctx, c.ID, "bench"); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(time.Since(t0).Seconds(), "close-s")
		}
	}
}
