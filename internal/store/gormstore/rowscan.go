package gormstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Reads on the hot paths (the SCIM view, the create path's checks, the
// person refs) are scanned row by row without gorm's reflection, and
// through Rows rather than gorm's Scan: Scan swaps in a recorder logger
// that formats every statement with its arguments (logger.ExplainSQL)
// whether or not anything is logged, which with the reflective scan was
// about a third of the store's CPU time in a SCIM lookup by userName.
// Rows still runs gorm's callbacks, so statements are counted as before.

// viewRows runs q and scans its rows: the seven columns of every view
// (kind, id, external_id, raw, created_at, updated_at, version) and, when
// the query has them, shownColumns' four.
func (t *txn) viewRows(ctx context.Context, q frag) ([]viewRow, error) {
	rows, err := t.conn(ctx).Raw(q.sql, q.args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	shown := false
	switch len(cols) {
	case 7:
	case 11:
		shown = true
	default:
		return nil, fmt.Errorf("view rows: %d columns", len(cols))
	}
	var (
		out                                       []viewRow
		r                                         viewRow
		external                                  sql.NullString
		created, updated                          dbTime
		version                                   sql.NullInt64
		status, manager, jobFunctions, groupPairs sql.NullString
	)
	dest := []any{&r.Kind, &r.ID, &external, &r.Raw, &created, &updated, &version}
	if shown {
		dest = append(dest, &status, &manager, &jobFunctions, &groupPairs)
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		r.ExternalID, r.CreatedAt, r.UpdatedAt, r.Version = external.String, created.t, updated.t, version.Int64
		r.Status, r.ManagerID, r.JobFunctions, r.Groups = nullable(status), nullable(manager), nullable(jobFunctions), nullable(groupPairs)
		out = append(out, r)
	}
	return out, rows.Err()
}

// eachRow runs q and calls row for each of its rows with the row's Scan.
func (t *txn) eachRow(ctx context.Context, q frag, row func(scan func(...any) error) error) error {
	rows, err := t.conn(ctx).Raw(q.sql, q.args...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// scanStrings runs q, a query of one text column, and returns its values.
func (t *txn) scanStrings(ctx context.Context, q frag) ([]string, error) {
	var out []string
	err := t.eachRow(ctx, q, func(scan func(...any) error) error {
		var s string
		if err := scan(&s); err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	return out, err
}

// scanCount runs q, a query of one integer, and returns it.
func (t *txn) scanCount(ctx context.Context, q frag) (int64, error) {
	var n int64
	err := t.conn(ctx).Raw(q.sql, q.args...).Row().Scan(&n)
	return n, err
}

func nullable(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}

// dbTime scans a timestamp: a time.Time where the driver knows the
// column's type, the text SQLite stores where it does not (a column of a
// compound query or a subquery), in the formats the SQLite drivers write.
type dbTime struct{ t time.Time }

// sqliteTimeFormats are the layouts mattn's driver reads and writes
// (modernc's writes the first with _time_format=sqlite).
var sqliteTimeFormats = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

func (d *dbTime) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		d.t = time.Time{}
		return nil
	case time.Time:
		d.t = v
		return nil
	case string:
		return d.parse(v)
	case []byte:
		return d.parse(string(v))
	}
	return fmt.Errorf("timestamp: cannot scan %T", v)
}

func (d *dbTime) parse(s string) error {
	for _, f := range sqliteTimeFormats {
		if t, err := time.ParseInLocation(f, s, time.UTC); err == nil {
			d.t = t
			return nil
		}
	}
	return fmt.Errorf("timestamp: cannot parse %q", s)
}
