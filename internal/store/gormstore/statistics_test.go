package gormstore_test

import (
	"database/sql"
	"fmt"
	"testing"

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
	dsn := gormtest.FreshDSN(t, gormstore.DriverPostgres)
	s, err := gormstore.Open(t.Context(), gormstore.Options{Driver: gormstore.DriverPostgres, DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
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
