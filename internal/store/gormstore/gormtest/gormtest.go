package gormtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx" for schema setup

	"github.com/syncd-dev/syncd/internal/store/gormstore"
)

// EnvPostgresDSN names the environment variable holding the PostgreSQL
// test database, e.g.
// postgres://syncd:syncd@127.0.0.1:5432/syncd_test?sslmode=disable.
const EnvPostgresDSN = "SYNCD_TEST_POSTGRES_DSN"

// ForEach runs fn as a subtest on each database: "sqlite" always and
// "postgres" when configured (see Postgres), each with a fresh store.
func ForEach(t *testing.T, fn func(t *testing.T, s *gormstore.Store)) {
	t.Helper()
	t.Run(gormstore.DriverSQLite, func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run(gormstore.DriverPostgres, func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite returns a migrated store on a new file in t.TempDir(), using the
// default driver (mattn with cgo, else modernc). It is closed when the
// test ends.
func SQLite(t testing.TB) *gormstore.Store {
	t.Helper()
	return SQLiteDriver(t, gormstore.DefaultSQLiteDriver)
}

// SQLiteDriver is SQLite with a chosen database/sql driver name; for
// "sqlite" (modernc) the test must import modernc.org/sqlite.
func SQLiteDriver(t testing.TB, driver string) *gormstore.Store {
	t.Helper()
	return open(t, gormstore.Options{
		Driver:       gormstore.DriverSQLite,
		DSN:          filepath.Join(t.TempDir(), "syncd.db"),
		SQLiteDriver: driver,
	})
}

// Postgres returns a migrated store on a schema of its own in the database
// named by SYNCD_TEST_POSTGRES_DSN; the schema is dropped when the test
// ends. Without the variable the test is skipped, or fails when the CI
// variable is set: CI must not silently lose the PostgreSQL half.
func Postgres(t testing.TB) *gormstore.Store {
	t.Helper()
	return open(t, gormstore.Options{
		Driver: gormstore.DriverPostgres,
		DSN:    FreshDSN(t, gormstore.DriverPostgres),
	})
}

func open(t testing.TB, o gormstore.Options) *gormstore.Store {
	t.Helper()
	s, err := gormstore.Open(t.Context(), o)
	if err != nil {
		t.Fatalf("open %s: %v", o.Driver, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close %s: %v", o.Driver, err)
		}
	})
	if _, err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate %s: %v", o.Driver, err)
	}
	return s
}

// newSchema creates a uniquely named schema and drops it at cleanup (which
// runs after the store registered later is closed).
func newSchema(t testing.TB, dsn string) string {
	t.Helper()
	b := make([]byte, 8)
	rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)

	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	if _, err := db.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		t.Fatalf("postgres: create schema: %v", err)
	}
	t.Cleanup(func() {
		defer db.Close()
		// t.Context() is already canceled during cleanup.
		if _, err := db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("postgres: drop schema %s: %v", schema, err)
		}
	})
	return schema
}

// withSearchPath sets search_path in a URL or key=value connection string.
func withSearchPath(dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		if u, err := url.Parse(dsn); err == nil {
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return dsn + " search_path=" + schema
}
