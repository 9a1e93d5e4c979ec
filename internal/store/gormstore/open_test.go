package gormstore

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite" // registers "sqlite", the pure-Go driver

	"github.com/syncd-dev/syncd/internal/store"
)

func openSQLite(t *testing.T, path, driver string) *Store {
	t.Helper()
	s, err := Open(t.Context(), Options{Driver: DriverSQLite, DSN: path, SQLiteDriver: driver})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestSQLitePragmas checks the settings sqliteDSN forces are in effect on
// every connection, with both drivers and both DSN forms.
func TestSQLitePragmas(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "we?ird #dir %20"), 0o700); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, driver, dsn string }{
		{"mattn path", SQLiteMattn, filepath.Join(dir, "a.db")},
		{"mattn file URI", SQLiteMattn, "file:" + filepath.Join(dir, "b.db") + "?_journal=DELETE&cache=private"},
		{"mattn odd path", SQLiteMattn, filepath.Join(dir, "we?ird #dir %20", "e.db")},
		{"modernc path", SQLiteModernc, filepath.Join(dir, "c.db")},
		{"modernc odd path", SQLiteModernc, filepath.Join(dir, "we?ird #dir %20", "f.db")},
		{"modernc file URI", SQLiteModernc, "file:" + filepath.Join(dir, "d.db") + "?_busy_timeout=1"},
	}
	// synchronous 2 is FULL, the default (NORMAL is 1; see TestSQLiteSynchronous).
	want := map[string]string{"journal_mode": "wal", "foreign_keys": "1", "synchronous": "2", "busy_timeout": "5000"}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := openSQLite(t, tc.dsn, tc.driver)
			if _, err := s.Migrate(t.Context()); err != nil {
				t.Fatal(err)
			}
			for pragma, v := range want {
				var got string
				if err := s.db.WithContext(t.Context()).Raw("PRAGMA " + pragma).Scan(&got).Error; err != nil {
					t.Fatal(err)
				}
				if got != v {
					t.Errorf("%s = %s, want %s", pragma, got, v)
				}
			}
		})
	}
}

// TestSQLiteTimesAcrossDrivers writes with one driver and reads with the
// other: both store the same sortable UTC text and read it back exactly.
// The stores are used one after the other: two SQLite libraries in one
// process do not share POSIX locks, so they must not have the file open at
// the same time.
func TestSQLiteTimesAcrossDrivers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	when := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.FixedZone("X", 3600))
	want := time.Date(2026, 1, 2, 2, 4, 5, 123456000, time.UTC)
	steps := []struct{ driver, write string }{{SQLiteMattn, "a"}, {SQLiteModernc, "b"}, {SQLiteMattn, ""}}
	for i, step := range steps {
		s, err := Open(t.Context(), Options{Driver: DriverSQLite, DSN: path, SQLiteDriver: step.driver})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		if step.write != "" {
			if _, err := s.CreatePerson(t.Context(), store.Person{ID: step.write, CreatedAt: when, UpdatedAt: when}); err != nil {
				t.Fatal(err)
			}
		}
		ps, err := s.ListPersons(t.Context(), store.PersonQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if want := min(i+1, 2); len(ps) != want {
			t.Fatalf("%s sees %d persons, want %d: not the same file", step.driver, len(ps), want)
		}
		for _, p := range ps {
			if p.CreatedAt != want {
				t.Errorf("%s read %s: %v, want %v", step.driver, p.ID, p.CreatedAt, want)
			}
		}
		var texts []string
		if err := s.db.Raw("SELECT CAST(created_at AS TEXT) FROM persons ORDER BY id").Scan(&texts).Error; err != nil {
			t.Fatal(err)
		}
		for _, text := range texts {
			if text != "2026-01-02 02:04:05.123456+00:00" {
				t.Errorf("%s: stored text %q", step.driver, text)
			}
		}
		s.Close()
	}
}

func TestOpenUnavailable(t *testing.T) {
	cases := []struct {
		name string
		o    Options
	}{
		{"sqlite missing directory", Options{Driver: DriverSQLite, DSN: filepath.Join(t.TempDir(), "no", "such", "dir", "x.db")}},
		{"postgres refused", Options{Driver: DriverPostgres, DSN: "postgres://syncd:s3cret-pw@127.0.0.1:1/syncd?sslmode=disable&connect_timeout=2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(t.Context(), tc.o)
			if err == nil {
				s.Close()
				t.Fatal("open succeeded")
			}
			if !errors.Is(err, store.ErrUnavailable) {
				t.Fatalf("error %v does not wrap ErrUnavailable", err)
			}
			if !strings.Contains(err.Error(), tc.o.Driver) || strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("error %q must name the driver and not the password", err)
			}
		})
	}
}

func TestOpenCreatesNoSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s := openSQLite(t, path, "")
	current, latest, err := s.SchemaVersion(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if current != 0 || latest == 0 {
		t.Fatalf("fresh database at version %d of %d", current, latest)
	}
	var n int64
	s.db.Raw("SELECT count(*) FROM sqlite_master WHERE name = 'persons'").Scan(&n)
	if n != 0 {
		t.Fatal("Open created tables")
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}

func TestOpenUnknownDriver(t *testing.T) {
	if _, err := Open(t.Context(), Options{Driver: "mysql", DSN: "x"}); err == nil {
		t.Fatal("want error")
	}
}

// TestSQLitePlainPathIsFile checks a plain path with URI-special characters
// names exactly that file.
func TestSQLitePlainPathIsFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a?b#c %41")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, driver := range []string{SQLiteMattn, SQLiteModernc} {
		path := filepath.Join(dir, driver+".db")
		s := openSQLite(t, path, driver)
		if _, err := s.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("%s: %v", driver, err)
		}
	}
}
