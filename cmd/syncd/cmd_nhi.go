package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/syncd-dev/syncd/internal/api"
	"github.com/syncd-dev/syncd/internal/evidence"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
)

var nhiFormats = []string{"table", "json", "csv"}

func checkFormat(e env, cmd, format string, allowed []string) int {
	if !slices.Contains(allowed, format) {
		fmt.Fprintf(e.stderr, "syncd %s: --format must be one of %s, got %q\n", cmd, strings.Join(allowed, ", "), format)
		return exitUsage
	}
	return -1
}

// cmdNHIOrphans evaluates the rules (unless --no-evaluate) and prints the
// NHIs with unresolved findings. It exits 0 whether or not there are any.
func cmdNHIOrphans(ctx context.Context, e env, args []string) int {
	var path, format, rule string
	var noEval bool
	if _, code := flags(e, "nhi orphans", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "configuration file")
		fs.StringVar(&format, "format", "table", "table, json or csv")
		fs.StringVar(&rule, "rule", "", "only findings of this rule ("+strings.Join(nhi.Rules, ", ")+")")
		fs.BoolVar(&noEval, "no-evaluate", false, "report stored findings without evaluating the rules first")
	}); code >= 0 {
		return code
	}
	if code := checkFormat(e, "nhi orphans", format, nhiFormats); code >= 0 {
		return code
	}
	if rule != "" && !nhi.KnownRule(rule) {
		fmt.Fprintf(e.stderr, "syncd nhi orphans: --rule %q is unknown (use %s)\n", rule, strings.Join(nhi.Rules, ", "))
		return exitUsage
	}
	st, cfg, code := openMigrated(ctx, e, "nhi orphans", path)
	if code >= 0 {
		return code
	}
	defer st.Close()
	if !noEval {
		if _, err := cfg.nhiService(st, newLogger(e.stderr, cfg.Log)).Evaluate(ctx); err != nil {
			fmt.Fprintf(e.stderr, "syncd nhi orphans: %v\n", err)
			return exitFailure
		}
	}
	orphans, err := nhi.Orphans(ctx, st, rule)
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd nhi orphans: %v\n", err)
		return exitFailure
	}
	switch format {
	case "json":
		err = writeJSON(e.stdout, orphans)
	case "csv":
		err = writeOrphansCSV(e.stdout, orphans)
	default:
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "NAME\tKIND\tENV\tOWNER\tPROJECT\tRULES\tREASONS")
		for _, o := range orphans {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", o.Name, o.Kind, dash(o.Environment), dash(o.Owner), dash(o.Project),
				strings.Join(o.Rules, ","), strings.Join(o.Reasons, "; "))
		}
		err = w.Flush()
		if err == nil {
			fmt.Fprintf(e.stderr, "%d NHI(s) with open findings\n", len(orphans))
		}
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd nhi orphans: %v\n", err)
		return exitFailure
	}
	return exitOK
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func writeOrphansCSV(w io.Writer, orphans []nhi.Orphan) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"id", "name", "kind", "environment", "owner", "project", "rules", "reasons"})
	for _, o := range orphans {
		row := []string{o.ID, o.Name, o.Kind, o.Environment, o.Owner, o.Project, strings.Join(o.Rules, ";"), strings.Join(o.Reasons, "; ")}
		for i, c := range row {
			row[i] = evidence.SafeText(c)
		}
		_ = cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

// cmdNHIList prints the inventory, filtered.
func cmdNHIList(ctx context.Context, e env, args []string) int {
	var path, format string
	var q store.NHIQuery
	var kind, status string
	if _, code := flags(e, "nhi list", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "configuration file")
		fs.StringVar(&format, "format", "table", "table or json")
		fs.StringVar(&kind, "kind", "", "only this kind")
		fs.StringVar(&q.Source, "source", "", "only this source")
		fs.StringVar(&q.Environment, "environment", "", "only this environment")
		fs.StringVar(&status, "status", "", "only this status (active, disabled, retired)")
		fs.StringVar(&q.Text, "text", "", "name, external id or description contains this")
	}); code >= 0 {
		return code
	}
	if code := checkFormat(e, "nhi list", format, []string{"table", "json"}); code >= 0 {
		return code
	}
	q.Kind, q.Status = store.NHIKind(kind), store.NHIStatus(status)
	if kind != "" && !q.Kind.Valid() {
		fmt.Fprintf(e.stderr, "syncd nhi list: --kind %q is unknown\n", kind)
		return exitUsage
	}
	st, _, code := openMigrated(ctx, e, "nhi list", path)
	if code >= 0 {
		return code
	}
	defer st.Close()
	var all []store.NHI
	for {
		q.Limit = 1000
		page, err := st.ListNHIs(ctx, q)
		if err != nil {
			fmt.Fprintf(e.stderr, "syncd nhi list: %v\n", err)
			return exitFailure
		}
		all = append(all, page...)
		if len(page) < q.Limit {
			break
		}
		q.AfterID = page[len(page)-1].ID
	}
	if format == "json" {
		out := make([]api.NHIDoc, len(all))
		for i, n := range all {
			out[i] = api.NewNHIDoc(n)
		}
		if err := writeJSON(e.stdout, out); err != nil {
			fmt.Fprintf(e.stderr, "syncd nhi list: %v\n", err)
			return exitFailure
		}
		return exitOK
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tKIND\tSOURCE\tENV\tSTATUS\tOWNER\tPROJECT\tEXPIRES")
	for _, n := range all {
		owner := n.OwnerID
		if owner == "" && n.OwnerRef != "" {
			owner = "(dangling) " + n.OwnerRef
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", n.ID, n.Name, n.Kind, n.Source, dash(n.Environment), n.Status,
			dash(owner), dash(n.ProjectID), timeOrDash(n.ExpiresAt))
	}
	w.Flush()
	return exitOK
}

// cmdNHIImport applies a CSV file (see nhi.ImportColumns for the header).
// Valid rows are applied, invalid ones listed with their line numbers;
// the exit code is 1 when any row was invalid.
func cmdNHIImport(ctx context.Context, e env, args []string) int {
	var path, file, format string
	var dryRun bool
	if _, code := flags(e, "nhi import", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "configuration file")
		fs.StringVar(&file, "file", "", "CSV file; header: "+strings.Join(nhi.ImportColumns, ","))
		fs.BoolVar(&dryRun, "dry-run", false, "report what would change without writing")
		fs.StringVar(&format, "format", "table", "table or json")
	}); code >= 0 {
		return code
	}
	if file == "" {
		fmt.Fprintln(e.stderr, "syncd nhi import: --file is required")
		return exitUsage
	}
	if code := checkFormat(e, "nhi import", format, []string{"table", "json"}); code >= 0 {
		return code
	}
	st, cfg, code := openMigrated(ctx, e, "nhi import", path)
	if code >= 0 {
		return code
	}
	defer st.Close()
	f, err := os.Open(file)
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd nhi import: %v\n", err)
		return exitFailure
	}
	defer f.Close()
	rows, err := nhi.ParseCSV(f)
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd nhi import: %s: %v\n", file, err)
		return exitFailure
	}
	rep, err := cfg.nhiService(st, newLogger(e.stderr, cfg.Log)).Import(ctx, "cli:import", rows, dryRun)
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd nhi import: %v\n", err)
		return exitFailure
	}
	if format == "json" {
		_ = writeJSON(e.stdout, rep)
	} else {
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "LINE\tNAME\tACTION\tPROBLEMS")
		for _, r := range rep.Rows {
			var probs []string
			for _, fe := range r.Errors {
				probs = append(probs, fe.Error())
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\n", r.Line, dash(r.Name), r.Action, dash(strings.Join(probs, "; ")))
		}
		w.Flush()
		verb := "applied"
		if dryRun {
			verb = "dry run, nothing written"
		}
		fmt.Fprintf(e.stdout, "%s: %d created, %d updated, %d unchanged, %d invalid\n", verb, rep.Created, rep.Updated, rep.Unchanged, rep.Invalid)
	}
	if rep.Invalid > 0 {
		return exitFailure
	}
	return exitOK
}

// cmdNHIEvaluate runs the orphan rules once and prints the summary.
func cmdNHIEvaluate(ctx context.Context, e env, args []string) int {
	var path string
	if _, code := flags(e, "nhi evaluate", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "configuration file")
	}); code >= 0 {
		return code
	}
	st, cfg, code := openMigrated(ctx, e, "nhi evaluate", path)
	if code >= 0 {
		return code
	}
	defer st.Close()
	sum, err := cfg.nhiService(st, newLogger(e.stderr, cfg.Log)).Evaluate(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd nhi evaluate: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(e.stdout, "evaluated %d NHIs in %s: %d opened, %d updated, %d reopened, %d resolved; tasks: %d created, %d cancelled, %d expired\n",
		sum.NHIs, sum.Duration.Round(time.Millisecond), sum.Opened, sum.Updated, sum.Reopened, sum.Resolved, sum.TasksCreated, sum.TasksCancelled, sum.TasksExpired)
	for _, r := range nhi.Rules {
		fmt.Fprintf(e.stdout, "  %-20s %d open\n", r, sum.OpenByRule[r])
	}
	return exitOK
}
