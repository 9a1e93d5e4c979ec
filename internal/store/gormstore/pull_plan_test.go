package gormstore

import (
	"path/filepath"
	"strings"
	"testing"

	"gorm.io/gorm"
)

// TestFindSourceLinksByDNUsesIndex checks the DN lookup identity runs for
// every manager reference is served by migration 00004's expression index,
// not a scan of every link of the source (which made a 20,000-person
// import quadratic).
func TestFindSourceLinksByDNUsesIndex(t *testing.T) {
	s := openSQLite(t, filepath.Join(t.TempDir(), "plan.db"), SQLiteMattn)
	if _, err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	dry := s.db.Session(&gorm.Session{DryRun: true})
	var rows []linkRow
	stmt := dry.Where("source = ?", "corp").Where("lower("+s.jsonAttrLiteral("dn")+") = lower(?)", "x").Order("external_id").Find(&rows).Statement
	var plan []struct {
		ID, Parent, Notused int
		Detail              string
	}
	if err := s.db.Raw("EXPLAIN QUERY PLAN "+stmt.SQL.String(), stmt.Vars...).Scan(&plan).Error; err != nil {
		t.Fatal(err)
	}
	var details []string
	for _, p := range plan {
		details = append(details, p.Detail)
	}
	if got := strings.Join(details, "; "); !strings.Contains(got, "source_links_dn_idx") {
		t.Fatalf("query plan %q does not use source_links_dn_idx", got)
	}
}
