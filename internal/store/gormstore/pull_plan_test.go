package gormstore

import (
	"path/filepath"
	"strings"
	"testing"

	"gorm.io/gorm"
)

// TestFindSourceLinksByDNUsesIndex checks the lookups identity runs per
// manager reference and per batch are served by migration 00004's
// indexes, not scans of every link of the source (which made a
// 20,000-person import quadratic).
func TestFindSourceLinksByDNUsesIndex(t *testing.T) {
	s := openSQLite(t, filepath.Join(t.TempDir(), "plan.db"), SQLiteMattn)
	if _, err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	// Capture the SQL the store methods run, then ask SQLite for its plan.
	var captured []string
	cb := s.db.Callback().Query().After("gorm:query")
	if err := cb.Register("test:capture", func(db *gorm.DB) {
		captured = append(captured, db.Dialector.Explain(db.Statement.SQL.String(), db.Statement.Vars...))
	}); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := s.FindSourceLinks(ctx, "corp", "dn", "uid=a,dc=x"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ListUnresolvedManagerLinks(ctx, "corp"); err != nil {
		t.Fatal(err)
	}
	if len(captured) != 2 {
		t.Fatalf("captured %d queries", len(captured))
	}
	for i, index := range []string{"source_links_dn_idx", "source_links_unresolved_manager_idx"} {
		var plan []struct {
			ID, Parent, Notused int
			Detail              string
		}
		if err := s.db.Raw("EXPLAIN QUERY PLAN " + captured[i]).Scan(&plan).Error; err != nil {
			t.Fatal(err)
		}
		var details []string
		for _, p := range plan {
			details = append(details, p.Detail)
		}
		if got := strings.Join(details, "; "); !strings.Contains(got, index) {
			t.Errorf("plan of %s\n%q does not use %s", captured[i], got, index)
		}
	}
}
