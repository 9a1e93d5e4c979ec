package gormstore_test

import (
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestRefreshStatistics: on PostgreSQL, tables filled in one go have no
// statistics until autovacuum comes by (a minute or more later): a batch's
// lookup of its links by a list of external ids is then estimated from
// defaults (a scan of every link of the source, run once per batch: a
// first import slowed down with the square of its size), and the
// lower(...) match-key indexes have no statistics at all. After
// RefreshStatistics both the tables and the expression indexes have them.
func TestRefreshStatistics(t *testing.T) {
	s, dsn := migratedPostgres(t, 0)
	ctx := t.Context()
	var ps []store.Person
	for i := range 300 {
		ps = append(ps, store.Person{UserName: fmt.Sprintf("u%d", i), Email: fmt.Sprintf("u%d@example.com", i)})
	}
	created, err := s.CreatePersons(ctx, ps)
	if err != nil {
		t.Fatal(err)
	}
	links := make([]store.SourceLink, len(created))
	for i, p := range created {
		links[i] = store.SourceLink{Source: "corp", ExternalID: fmt.Sprintf("e%d", i), PersonID: p.ID,
			Attributes: map[string]string{"userName": p.UserName, "dn": "uid=" + p.UserName + ",dc=x"}}
	}
	if err := s.PutSourceLinks(ctx, links); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stats := func() (tables, indexes int) {
		q := "SELECT count(*) FILTER (WHERE tablename IN ('persons', 'source_links'))," +
			" count(*) FILTER (WHERE tablename IN ('persons_email_idx', 'source_links_dn_idx'))" +
			" FROM pg_stats WHERE schemaname = current_schema()"
		if err := db.QueryRowContext(ctx, q).Scan(&tables, &indexes); err != nil {
			t.Fatal(err)
		}
		return tables, indexes
	}
	if tables, indexes := stats(); tables+indexes > 0 {
		t.Logf("statistics before the refresh (autovacuum came by?): %d, %d", tables, indexes)
	}
	if err := s.RefreshStatistics(ctx); err != nil {
		t.Fatal(err)
	}
	if tables, indexes := stats(); tables == 0 || indexes < 2 {
		t.Errorf("after RefreshStatistics: %d column statistics of persons and source_links, %d of their expression indexes", tables, indexes)
	}
}

// TestGrowthStatistics: a table that grows from empty through ordinary
// writes (a first SCIM push) gets planner statistics within seconds, not
// at autovacuum's next round: a generic plan cached while it was nearly
// empty (a sequential scan) would otherwise stay while it grows.
// last_analyze is set only by an explicit ANALYZE (autovacuum sets
// last_autoanalyze), so it cannot come from anywhere else.
func TestGrowthStatistics(t *testing.T) {
	s, dsn := migratedPostgres(t, 2)
	ctx := t.Context()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	analyzed := func() (n int, reltuples float64) {
		q := "SELECT count(s.last_analyze), coalesce(max(c.reltuples), -1) FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid" +
			" WHERE s.schemaname = current_schema() AND s.relname = 'persons'"
		if err := db.QueryRowContext(ctx, q).Scan(&n, &reltuples); err != nil {
			t.Fatal(err)
		}
		return n, reltuples
	}
	// Fewer rows than are worth analyzing: nothing happens.
	for i := range 10 {
		if _, err := s.CreatePersons(ctx, []store.Person{{UserName: fmt.Sprintf("small%d", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(3 * time.Second)
	if n, _ := analyzed(); n != 0 {
		t.Fatalf("persons analyzed with 10 rows")
	}
	for b := range 20 {
		var ps []store.Person
		for i := range 50 {
			ps = append(ps, store.Person{UserName: fmt.Sprintf("u%d-%d", b, i)})
		}
		if _, err := s.CreatePersons(ctx, ps); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		n, reltuples := analyzed()
		if n == 1 && reltuples >= 1000 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("persons with 1,010 rows: analyzed %d, reltuples %.0f after 20 s", n, reltuples)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// migratedPostgres opens a migrated store on a fresh PostgreSQL schema,
// closed when the test ends, and returns it with its DSN.
func migratedPostgres(t *testing.T, maxOpen int) (*gormstore.Store, string) {
	t.Helper()
	dsn := gormtest.FreshDSN(t, gormstore.DriverPostgres)
	s, err := gormstore.Open(t.Context(), gormstore.Options{Driver: gormstore.DriverPostgres, DSN: dsn, MaxOpenConns: maxOpen})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s, dsn
}
