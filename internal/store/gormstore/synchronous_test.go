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
