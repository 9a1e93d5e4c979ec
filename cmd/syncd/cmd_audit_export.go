package main

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"strings"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// cmdAuditExport prints audit events, one per line (JSON Lines) or as CSV
// rows, with their sequence number, time, actor, action, target, details,
// hash and previous hash; page by page, so any size streams.
func cmdAuditExport(ctx context.Context, e env, args []string) int {
	var path, from, to, action, format string
	if _, code := flags(e, "audit export", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "configuration file")
		fs.StringVar(&from, "from", "", "first day or time included (2026-01-31 or RFC 3339)")
		fs.StringVar(&to, "to", "", "first day or time excluded")
		fs.StringVar(&action, "action", "", "only this action (e.g. auth.signed_in)")
		fs.StringVar(&format, "format", "jsonl", "jsonl or csv")
	}); code >= 0 {
		return code
	}
	q := store.AuditQuery{Limit: 1000}
	if action != "" {
		if !audit.Known(audit.Canonical(action)) {
			fmt.Fprintf(e.stderr, "syncd audit export: --action %q is unknown; one of: %s\n", action, strings.Join(audit.Actions(), ", "))
			return exitUsage
		}
		q.Actions = audit.Aliases(action)
	}
	for _, f := range []struct {
		flag, v string
		dst     *store.AuditQuery
		to      bool
	}{{"--from", from, &q, false}, {"--to", to, &q, true}} {
		if f.v == "" {
			continue
		}
		t, err := audit.ParseTime(f.v)
		if err != nil {
			fmt.Fprintf(e.stderr, "syncd audit export: %s: %v\n", f.flag, err)
			return exitUsage
		}
		if f.to {
			f.dst.To = t
		} else {
			f.dst.From = t
		}
	}
	if format != "jsonl" && format != "csv" {
		fmt.Fprintf(e.stderr, "syncd audit export: --format must be jsonl or csv, got %q\n", format)
		return exitUsage
	}
	st, _, code := openMigrated(ctx, e, "audit export", path)
	if code >= 0 {
		return code
	}
	defer st.Close()
	cw := csv.NewWriter(e.stdout)
	if format == "csv" {
		if err := cw.Write(audit.CSVHeader); err != nil {
			fmt.Fprintf(e.stderr, "syncd audit export: %v\n", err)
			return exitFailure
		}
	}
	for {
		evs, err := st.ListAuditEvents(ctx, q)
		if err != nil {
			fmt.Fprintf(e.stderr, "syncd audit export: %v\n", err)
			return exitFailure
		}
		recs := make([]audit.Record, len(evs))
		for i, ev := range evs {
			recs[i] = audit.ToRecord(ev)
		}
		if format == "csv" {
			err = audit.WriteCSV(cw, recs)
		} else {
			err = audit.WriteJSONL(e.stdout, recs)
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "syncd audit export: %v\n", err)
			return exitFailure
		}
		if len(evs) < q.Limit {
			return exitOK
		}
		q.AfterSeq = evs[len(evs)-1].Seq
	}
}
