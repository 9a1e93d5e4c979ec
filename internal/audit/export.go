package audit

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// Record is one audit event as exported (syncd audit export, GET
// /api/v1/audit): everything needed to read it and to check the chain.
type Record struct {
	Seq      int64           `json:"seq"`
	Time     time.Time       `json:"time"`
	Actor    string          `json:"actor"`
	Action   string          `json:"action"`
	Target   string          `json:"target"`
	Details  json.RawMessage `json:"details"`
	Hash     string          `json:"hash"`
	PrevHash string          `json:"prev_hash"`
}

// ToRecord maps a stored event.
func ToRecord(e store.AuditEvent) Record {
	d := json.RawMessage(e.Details)
	if len(d) == 0 {
		d = json.RawMessage("{}")
	}
	return Record{Seq: e.Seq, Time: e.Time.UTC(), Actor: e.Actor, Action: e.Action, Target: e.Target, Details: d, Hash: e.Hash, PrevHash: e.PrevHash}
}

// CSVHeader is the header row of a CSV export.
var CSVHeader = []string{"seq", "time", "actor", "action", "target", "details", "hash", "prev_hash"}

// WriteJSONL writes one JSON object per line.
func WriteJSONL(w io.Writer, recs []Record) error {
	enc := json.NewEncoder(w)
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("audit: export: %w", err)
		}
	}
	return nil
}

// WriteCSV writes recs as CSV rows (no header; see CSVHeader). Cells that
// a spreadsheet would run as a formula are prefixed with a quote.
func WriteCSV(cw *csv.Writer, recs []Record) error {
	for _, r := range recs {
		row := []string{strconv.FormatInt(r.Seq, 10), r.Time.Format(time.RFC3339Nano), r.Actor, r.Action, r.Target, string(r.Details), r.Hash, r.PrevHash}
		for i, c := range row {
			row[i] = csvSafe(c)
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("audit: export: %w", err)
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}

// ParseTime reads a --from/--to or from/to value: RFC 3339 or a date
// (YYYY-MM-DD, midnight UTC).
func ParseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("audit: %q: use a date (2026-01-31) or an RFC 3339 time", s)
	}
	return t, nil
}
