package nhi

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// ImportColumns is the CSV header syncd nhi import reads, in any order;
// kind and name are required, every other column optional:
//
//	kind,name,source,external_id,environment,owner,co_owners,owning_team,project,expires,rotated,last_used,description
//
// owner and co_owners (separated by ';') are person ids, userNames or
// emails; project is a project id or name; dates are YYYY-MM-DD or RFC 3339;
// source defaults to "import". A row whose (source, name) exists updates
// that NHI; otherwise it creates one.
var ImportColumns = []string{"kind", "name", "source", "external_id", "environment", "owner", "co_owners",
	"owning_team", "project", "expires", "rotated", "last_used", "description"}

// ImportRow is one parsed data row: the NHI it describes, its line number
// in the file, and what is wrong with it on its own (before the store is
// asked anything).
type ImportRow struct {
	Line   int
	Input  NHIInput
	Errors []FieldError
}

// maxImportRows bounds one file, so a hostile upload cannot exhaust memory.
const maxImportRows = 1_000_000

// ParseCSV reads an import file: a header naming known columns (kind and
// name required), then one NHI per row. A bad header fails the whole file;
// a bad row is returned with its errors and line number so the others can
// still be applied.
func ParseCSV(r io.Reader) ([]ImportRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("nhi: import: empty file; the first line must be a header such as %s", strings.Join(ImportColumns, ","))
	}
	if err != nil {
		return nil, fmt.Errorf("nhi: import: header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !slices.Contains(ImportColumns, h) {
			return nil, fmt.Errorf("nhi: import: header column %d %q is unknown (known: %s)", i+1, h, strings.Join(ImportColumns, ", "))
		}
		if _, dup := col[h]; dup {
			return nil, fmt.Errorf("nhi: import: header column %q appears twice", h)
		}
		col[h] = i
	}
	for _, req := range []string{"kind", "name"} {
		if _, ok := col[req]; !ok {
			return nil, fmt.Errorf("nhi: import: header lacks the required column %q", req)
		}
	}
	var rows []ImportRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			rows = append(rows, ImportRow{Line: pe.StartLine, Errors: []FieldError{{Field: "(row)", Msg: pe.Err.Error()}}})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("nhi: import: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(rows) >= maxImportRows {
			return nil, fmt.Errorf("nhi: import: more than %d rows; split the file", maxImportRows)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		rows = append(rows, parseRow(line, rec, col, len(header)))
	}
	return rows, nil
}

func parseRow(line int, rec []string, col map[string]int, width int) ImportRow {
	row := ImportRow{Line: line}
	if len(rec) != width {
		row.Errors = append(row.Errors, FieldError{Field: "(row)", Msg: fmt.Sprintf("%d fields, the header has %d", len(rec), width)})
		return row
	}
	get := func(name string) string {
		if i, ok := col[name]; ok {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	in := NHIInput{
		Kind: store.NHIKind(get("kind")), Name: get("name"), Source: get("source"), ExternalID: get("external_id"),
		Environment: get("environment"), Owner: get("owner"), OwningTeam: get("owning_team"), Project: get("project"),
		Description: get("description"),
	}
	if in.Source == "" {
		in.Source = "import"
	}
	for c := range strings.SplitSeq(get("co_owners"), ";") {
		if c = strings.TrimSpace(c); c != "" {
			in.CoOwners = append(in.CoOwners, c)
		}
	}
	if in.Name == "" {
		row.Errors = append(row.Errors, FieldError{Field: "name", Msg: "required"})
	}
	if !in.Kind.Valid() {
		row.Errors = append(row.Errors, FieldError{Field: "kind", Msg: fmt.Sprintf("unknown kind %q (use service-account, api-key, certificate, token or workload)", in.Kind)})
	}
	for _, d := range []struct {
		col string
		dst **time.Time
	}{{"expires", &in.ExpiresAt}, {"rotated", &in.RotatedAt}, {"last_used", &in.LastUsedAt}} {
		t, fe := ParseDate(d.col, get(d.col))
		if fe != nil {
			row.Errors = append(row.Errors, *fe)
		}
		*d.dst = t
	}
	row.Input = in
	return row
}
