package gormtest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/syncd-dev/syncd/internal/store/gormstore"
)

// FreshDSN returns the DSN of an empty, unmigrated database for driver: a
// new SQLite file, or a new PostgreSQL schema (dropped when the test ends;
// skipped or failed like Postgres when no server is configured). For tests
// that drive syncd through its configuration, as a user would.
func FreshDSN(t testing.TB, driver string) string {
	t.Helper()
	switch driver {
	case gormstore.DriverSQLite:
		return filepath.Join(t.TempDir(), "syncd.db")
	case gormstore.DriverPostgres:
		dsn := os.Getenv(EnvPostgresDSN)
		if dsn == "" {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not set, and CI requires the PostgreSQL tests", EnvPostgresDSN)
			}
			t.Skipf("%s is not set", EnvPostgresDSN)
		}
		return withSearchPath(dsn, newSchema(t, dsn))
	}
	t.Fatalf("gormtest: unknown driver %q", driver)
	return ""
}

// Drivers lists the databases every store-backed test runs on.
var Drivers = []string{gormstore.DriverSQLite, gormstore.DriverPostgres}
