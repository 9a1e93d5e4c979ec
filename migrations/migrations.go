package migrations

import (
	"embed"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// files holds the goose SQL migrations of every dialect. Both directories
// carry the same versions under the same names; migrations_test.go checks it.
//
//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// Dialects lists the supported dialects, which are also the directory names.
var Dialects = []string{"sqlite", "postgres"}

// FS returns the migrations of dialect ("sqlite" or "postgres") with the
// .sql files at its root, as goose.NewProvider expects.
func FS(dialect string) (fs.FS, error) {
	switch dialect {
	case "sqlite", "postgres":
		sub, err := fs.Sub(files, dialect)
		if err != nil {
			return nil, fmt.Errorf("migrations: %s: %w", dialect, err)
		}
		return sub, nil
	}
	return nil, fmt.Errorf("migrations: unknown dialect %q", dialect)
}

// Latest is the highest migration version, the schema version a fully
// migrated database of either dialect reports.
func Latest() (int64, error) {
	entries, err := fs.ReadDir(files, "sqlite")
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	var latest int64
	for _, e := range entries {
		digits, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.ParseInt(digits, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("migrations: %s: version prefix: %w", e.Name(), err)
		}
		latest = max(latest, v)
	}
	return latest, nil
}
