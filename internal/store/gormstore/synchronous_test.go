package gormstore_test

import (
	"path/filepath"
	"testing"

	"github.com/syncd-dev/syncd/internal/store/gormstore"
)

// TestSQLiteSynchronous: FULL unless NORMAL is asked for, on every
// pooled connection.
func TestSQLiteSynchronous(t *testing.T) {
	for _, tc := range []struct {
		mode string
		want int
	}{{"", 2}, {"full", 2}, {"normal", 1}, {"NORMAL", 1}} {
		s, err := gormstore.Open(t.Context(), gormstore.Options{Driver: gormstore.DriverSQLite,
			DSN: filepath.Join(t.TempDir(), "s.db"), SQLiteSynchronous: tc.mode, MaxOpenConns: 3})
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			got, err := s.SQLitePragma(t.Context(), "synchronous")
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("mode %q: synchronous = %d, want %d", tc.mode, got, tc.want)
			}
		}
		s.Close()
	}
	if _, err := gormstore.Open(t.Context(), gormstore.Options{Driver: gormstore.DriverSQLite,
		DSN: filepath.Join(t.TempDir(), "s.db"), SQLiteSynchronous: "off"}); err == nil {
		t.Fatal("synchronous=off accepted")
	}
}

// TestSQLiteConnectionPragmas: every pooled connection, on both drivers,
// keeps statement journals in memory and has the page cache, WAL
// checkpoint interval and soft heap limit asked for (SQLite's -2000 KiB,
// 1,000 pages and no limit when none is).
func TestSQLiteConnectionPragmas(t *testing.T) {
	for _, drv := range []string{gormstore.SQLiteMattn, gormstore.SQLiteModernc} {
		for _, tc := range []struct {
			kib, pages, heap               int
			wantCache, wantPages, wantHeap int
		}{{0, 0, 0, -2000, 1000, 0}, {16384, 16384, 65536, -16384, 16384, 64 << 20}} {
			s, err := gormstore.Open(t.Context(), gormstore.Options{Driver: gormstore.DriverSQLite, SQLiteDriver: drv,
				DSN: filepath.Join(t.TempDir(), "s.db"), SQLiteCacheKiB: tc.kib, SQLiteWALAutoCheckpoint: tc.pages, SQLiteSoftHeapLimitKiB: tc.heap,
				MaxOpenConns: 3, MaxIdleConns: -1})
			if err != nil {
				t.Fatalf("%s: %v", drv, err)
			}
			// No idle connections are kept: each read opens a new one.
			ctx := t.Context()
			for range 3 {
				for name, want := range map[string]int{"temp_store": 2, "wal_autocheckpoint": tc.wantPages,
					"cache_size": tc.wantCache, "foreign_keys": 1, "soft_heap_limit": tc.wantHeap} {
					got, err := s.SQLitePragma(ctx, name)
					if err != nil {
						t.Fatalf("%s: %v", drv, err)
					}
					if got != want {
						t.Errorf("%s %+v: %s = %d, want %d", drv, tc, name, got, want)
					}
				}
			}
			s.Close()
		}
	}
	for _, o := range []gormstore.Options{{SQLiteCacheKiB: -1}, {SQLiteWALAutoCheckpoint: -1}, {SQLiteSoftHeapLimitKiB: -1}} {
		o.Driver, o.DSN = gormstore.DriverSQLite, filepath.Join(t.TempDir(), "s.db")
		if _, err := gormstore.Open(t.Context(), o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}
