package gormstore_test

import (
	"testing"

	_ "modernc.org/sqlite" // registers "sqlite", the pure-Go driver

	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
	"github.com/syncd-dev/syncd/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	cases := []struct {
		name string
		open func(t *testing.T) store.Store
	}{
		{"sqlite-mattn", func(t *testing.T) store.Store { return gormtest.SQLiteDriver(t, gormstore.SQLiteMattn) }},
		{"sqlite-modernc", func(t *testing.T) store.Store { return gormtest.SQLiteDriver(t, gormstore.SQLiteModernc) }},
		{"postgres", func(t *testing.T) store.Store { return gormtest.Postgres(t) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { storetest.Run(t, tc.open) })
	}
}

func TestMigrate(t *testing.T) {
	versions := map[string]int64{}
	gormtest.ForEach(t, func(t *testing.T, s *gormstore.Store) {
		// gormtest has migrated once already; a second run changes nothing.
		v, err := s.Migrate(t.Context())
		if err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		again, err := s.Migrate(t.Context())
		if err != nil || again != v {
			t.Fatalf("third migrate: version %d, %v; want %d", again, err, v)
		}
		current, latest, err := s.SchemaVersion(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if current != latest || current != v || v == 0 {
			t.Fatalf("schema version current %d latest %d migrate %d", current, latest, v)
		}
		versions[s.Driver()] = v
	})
	if a, b := versions[gormstore.DriverSQLite], versions[gormstore.DriverPostgres]; b != 0 && a != b {
		t.Fatalf("sqlite at version %d, postgres at %d", a, b)
	}
}
