package migrations

import (
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var fileName = regexp.MustCompile(`^[0-9]{5}_[a-z0-9_]+\.sql$`)

func TestDialectsHaveSameMigrations(t *testing.T) {
	names := map[string][]string{}
	for _, d := range Dialects {
		fsys, err := FS(d)
		if err != nil {
			t.Fatal(err)
		}
		entries, err := fs.ReadDir(fsys, ".")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !fileName.MatchString(e.Name()) {
				t.Errorf("%s/%s: name must look like 00001_name.sql", d, e.Name())
			}
			body, err := fs.ReadFile(fsys, e.Name())
			if err != nil {
				t.Fatal(err)
			}
			for _, marker := range []string{"-- +goose Up", "-- +goose Down"} {
				if !strings.Contains(string(body), marker) {
					t.Errorf("%s/%s: missing %q", d, e.Name(), marker)
				}
			}
			names[d] = append(names[d], e.Name())
		}
		if len(names[d]) == 0 {
			t.Errorf("%s: no migrations", d)
		}
	}
	if !slices.Equal(names["sqlite"], names["postgres"]) {
		t.Errorf("dialects differ:\nsqlite:   %v\npostgres: %v", names["sqlite"], names["postgres"])
	}
}

func TestFSUnknownDialect(t *testing.T) {
	if _, err := FS("mysql"); err == nil {
		t.Fatal("FS(mysql): want error")
	}
}
