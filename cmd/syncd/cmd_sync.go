package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/ldap"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/pull"
	"github.com/syncd-dev/syncd/internal/scim/scimclient"
	"github.com/syncd-dev/syncd/internal/source"
	"github.com/syncd-dev/syncd/internal/store"
)

// cmdSync runs one pull now: progress on a terminal, a one-line summary
// otherwise; exit 1 when the run failed, 3 when it was partial. An
// unreachable source is retried as serve does (after 2 s and 10 s, on a
// new connection); the NHI orphan rules are evaluated after the run.
func cmdSync(ctx context.Context, e env, args []string) int {
	var (
		path, name      string
		full, confirmed bool
	)
	if _, code := flags(e, "sync", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "configuration file")
		fs.StringVar(&name, "source", "", "name of the source to pull (type ldap or scim)")
		fs.BoolVar(&full, "full", false, "read everything and reconcile deletions")
		fs.BoolVar(&confirmed, "confirm-deletions", false, "with --full: terminate the people the source no longer has even beyond its maxDeletionShare (each absence is still confirmed with the source)")
	}); code >= 0 {
		return code
	}
	if name == "" {
		fmt.Fprintln(e.stderr, "syncd sync: --source is required")
		return exitUsage
	}
	if confirmed && !full {
		fmt.Fprintln(e.stderr, "syncd sync: --confirm-deletions needs --full (only a full run finds deletions)")
		return exitUsage
	}
	cfg, code := mustConfig(e, "sync", path)
	if code >= 0 {
		return code
	}
	sc, ok := cfg.pulledSource(name)
	if !ok {
		fmt.Fprintf(e.stderr, "syncd sync: no source named %q of type ldap or scim (pulled sources: %s)\n", name, strings.Join(cfg.pulledNames(), ", "))
		return exitUsage
	}
	logger := newLogger(e.stderr, cfg.Log)
	if cfg.Storage.SQLiteCacheMiB == 0 {
		cfg.Storage.SQLiteCacheMiB = syncSQLiteCacheMiB
	}
	cfg.Storage.walAutoCheckpoint = syncWALAutoCheckpoint
	st, err := openStore(ctx, cfg, logger)
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd sync: %v\n", err)
		return exitFailure
	}
	defer st.Close()
	if err := ensureSchema(ctx, st, cfg.Storage.AutoMigrate); err != nil {
		fmt.Fprintf(e.stderr, "syncd sync: %v\n", err)
		return exitFailure
	}
	runner, err := newRunner(cfg, st, logger)
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd sync: %v\n", err)
		return exitFailure
	}
	src, err := newPullSource(sc, logger)
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd sync: %v\n", err)
		return exitFailure
	}
	defer src.Close()

	tuneGC(e.getenv, 192<<20)
	opts := pull.Options{Full: full, ConfirmDeletions: confirmed}
	tty := isTerminal(e.stdout)
	if tty {
		opts.Progress = func(p pull.Progress) { fmt.Fprintf(e.stdout, "\r%s", progressLine(p)) }
	}
	run, err := pull.RunRetrying(ctx, runner, src, opts, nil, func(attempt int, wait time.Duration, err error) {
		if tty {
			fmt.Fprintln(e.stdout)
		}
		fmt.Fprintf(e.stderr, "syncd sync: %s unreachable (attempt %d): %v; retrying in %s\n", name, attempt, err, wait)
	})
	if tty {
		fmt.Fprintln(e.stdout)
	}
	if run.ID == 0 && err != nil {
		fmt.Fprintf(e.stderr, "syncd sync: %v\n", err)
		return exitFailure
	}
	fmt.Fprintln(e.stdout, summaryLine(run))
	// New people, leavers and service accounts change orphan findings, as
	// after every pull in serve.
	if sum, evErr := cfg.nhiService(st, logger).Evaluate(ctx); evErr != nil {
		fmt.Fprintf(e.stderr, "syncd sync: evaluate NHI orphan rules: %v\n", evErr)
	} else {
		fmt.Fprintln(e.stdout, orphanLine(sum))
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd sync: %s: %v\n", name, err)
		return exitFailure
	}
	if run.Status == store.RunPartial {
		fmt.Fprintf(e.stderr, "syncd sync: %s: run %d is partial: %s\n", name, run.ID, run.Error)
		return exitPartial
	}
	return exitOK
}

func progressLine(p pull.Progress) string {
	c := p.Counts
	rate := 0.0
	if s := p.Elapsed.Seconds(); s > 0 {
		rate = float64(c.Read) / s
	}
	return fmt.Sprintf("%s (%s): read %d, created %d, updated %d, unchanged %d, rejected %d, %.0f entries/s",
		p.Source, p.Mode, c.Read, c.Created, c.Updated, c.Unchanged, c.Rejected, rate)
}

func summaryLine(r store.SyncRun) string {
	c := r.Counts
	took := ""
	if r.FinishedAt != nil {
		took = r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond).String()
	}
	line := fmt.Sprintf("run %d %s %s %s in %s: read %d, created %d, updated %d, unchanged %d, disabled %d, terminated %d, rejected %d",
		r.ID, r.Source, r.Mode, r.Status, took, c.Read, c.Created, c.Updated, c.Unchanged, c.Disabled, c.Terminated, c.Rejected)
	if r.Error != "" {
		line += ": " + r.Error
	}
	return line
}

// cmdSyncStatus lists recent runs, newest first.
func cmdSyncStatus(ctx context.Context, e env, args []string) int {
	var (
		path, name string
		limit      int
		rejections bool
	)
	if _, code := flags(e, "sync status", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "configuration file")
		fs.StringVar(&name, "source", "", "only this source")
		fs.IntVar(&limit, "limit", 20, "number of runs")
		fs.BoolVar(&rejections, "rejections", false, "also list each run's rejected records")
	}); code >= 0 {
		return code
	}
	st, _, code := openMigrated(ctx, e, "sync status", path)
	if code >= 0 {
		return code
	}
	defer st.Close()
	runs, err := st.ListSyncRuns(ctx, name, limit)
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd sync status: %v\n", err)
		return exitFailure
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "RUN\tSOURCE\tMODE\tSTATUS\tSTARTED\tTOOK\tREAD\tCREATED\tUPDATED\tUNCHANGED\tDISABLED\tTERMINATED\tREJECTED\tERROR OR SKIPPED")
	for _, r := range runs {
		c := r.Counts
		took := "-"
		if r.FinishedAt != nil {
			took = r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond).String()
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", r.ID, r.Source, r.Mode, r.Status,
			r.StartedAt.Format(time.RFC3339), took, c.Read, c.Created, c.Updated, c.Unchanged, c.Disabled, c.Terminated, c.Rejected, r.Error)
	}
	w.Flush()
	if rejections {
		for _, r := range runs {
			for _, rj := range r.Rejections {
				fmt.Fprintf(e.stdout, "run %d %s: %s: %s\n", r.ID, r.Source, rj.ExternalID, rj.Reason)
			}
		}
	}
	// The NHI inventory's open orphan findings, per rule, as of the last
	// evaluation (serve evaluates after every pull).
	open, err := nhi.OpenByRule(ctx, st)
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd sync status: %v\n", err)
		return exitFailure
	}
	total := 0
	parts := make([]string, 0, len(nhi.Rules))
	for _, r := range nhi.Rules {
		total += open[r]
		parts = append(parts, fmt.Sprintf("%s %d", r, open[r]))
	}
	fmt.Fprintf(e.stdout, "open NHI orphan findings: %d (%s)\n", total, strings.Join(parts, ", "))
	return exitOK
}

// syncSQLiteCacheMiB is syncd sync's SQLite page cache unless
// storage.sqliteCacheMiB says otherwise, and syncWALAutoCheckpoint its WAL
// checkpoint interval in pages (64 MiB rather than SQLite's 4 MiB). With
// SQLite's defaults a batch of people touched more index pages than the
// cache holds, so they went to the WAL before the commit and were read
// back, and the pages every batch changes were copied into the database
// at every 4 MiB checkpoint: the 100,000-person first import wrote 6.5 GB
// for a 0.5 GB database; with both (and in-memory statement journals)
// 2.6 GB, peak RSS +30 MB (bench/README.md). serve keeps SQLite's
// interval: its lookups read through the WAL's index, and behind a 64 MiB
// WAL they were a third slower.
const (
	syncSQLiteCacheMiB    = 16
	syncWALAutoCheckpoint = 16384
)

// tuneGC trades memory for CPU: the collector runs when the heap has
// grown 400 % since the last one instead of 100 %, with a soft memory
// limit keeping the peak bounded (limit bytes: the collector works harder
// as the process nears it). A one-shot pull decodes LDAP responses that
// allocate for every attribute, and at the default GOGC the collector took
// ~40 % of a read (BenchmarkReadPeople); serve answers SCIM requests that
// allocate per request, where it raised creates and lookups by about a
// quarter (bench/README.md). GOGC or GOMEMLIMIT in the environment win.
func tuneGC(getenv func(string) string, limit int64) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(limit)
	}
}

// tuneProcs gives serve's Go scheduler twice as many Ps as the machine
// has CPUs, up to maxDoubledProcs CPUs (a 2-core machine gets 4). Every
// SCIM request writes to a loopback socket or a database file at least
// twice, and a write that wakes the other end runs that end's network
// receive inside the system call: while both Ps' threads sat in such
// calls nothing else ran, and the runtime's monitor kept taking Ps back
// from them. With 4 Ps on 2 cores, filtered GETs on SQLite went from
// 6,392-6,444/s to 7,685-8,169/s and on PostgreSQL from 4,446-4,819/s to
// 4,969-5,205/s, creates unchanged (bench/README.md). Larger machines
// were not measured and keep Go's default. GOMAXPROCS in the environment
// wins.
func tuneProcs(getenv func(string) string) {
	if getenv("GOMAXPROCS") != "" {
		return
	}
	runtime.GOMAXPROCS(doubledProcs(runtime.GOMAXPROCS(0)))
}

// maxDoubledProcs is the most CPUs for which tuneProcs doubles the Ps.
const maxDoubledProcs = 4

// doubledProcs is the number of Ps tuneProcs sets for n CPUs.
func doubledProcs(n int) int {
	if n <= maxDoubledProcs {
		return 2 * n
	}
	return n
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// pulledSource returns the source named name if syncd pulls it.
func (c *Config) pulledSource(name string) (SourceConfig, bool) {
	for _, s := range c.Sources {
		if s.Name == name && s.pulled() {
			return s, true
		}
	}
	return SourceConfig{}, false
}

func (c *Config) pulledNames() []string {
	var out []string
	for _, s := range c.Sources {
		if s.pulled() {
			out = append(out, s.Name)
		}
	}
	if len(out) == 0 {
		return []string{"none configured"}
	}
	return out
}

// newPullSource builds the source a pulled SourceConfig describes.
func newPullSource(s SourceConfig, logger *slog.Logger) (source.Source, error) {
	logger = logger.With("source", s.Name)
	switch s.Type {
	case "ldap":
		return ldap.New(s.ldapConfig(), logger)
	case "scim":
		return scimclient.New(s.scimConfig(), logger)
	}
	return nil, fmt.Errorf("source %q: type %q is not pulled", s.Name, s.Type)
}

// newRunner wires the pull runner: the identity write path over st, and
// a lease holder naming this process.
func newRunner(cfg Config, st store.Store, logger *slog.Logger) (*pull.Runner, error) {
	ids, err := identity.New(cfg.identityConfig(), st, identity.WithLogger(logger))
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	shares := map[string]float64{}
	for _, s := range cfg.Sources {
		if s.pulled() && s.MaxDeletionShare > 0 {
			shares[s.Name] = s.MaxDeletionShare
		}
	}
	r := &pull.Runner{Store: st, Identity: ids, NHI: cfg.nhiService(st, logger), Logger: logger, MaxDeletionShare: shares,
		Holder: fmt.Sprintf("%s:%d:%d", host, os.Getpid(), time.Now().UnixNano())}
	if verify := cfg.verifyAfterRun(logger); verify != nil {
		r.AfterRun = func(ctx context.Context, run store.SyncRun) error { return verify(ctx, st, run) }
	}
	return r, nil
}

// exitPartial: the run applied what it read but skipped part of its work
// (deletion detection); its Error says why.
const exitPartial = 3

// orphanLine summarises the NHI evaluation that follows a sync.
func orphanLine(s nhi.Summary) string {
	open := 0
	for _, n := range s.OpenByRule {
		open += n
	}
	return fmt.Sprintf("NHI orphan rules: %d open findings (%d opened, %d reopened, %d resolved)", open, s.Opened, s.Reopened, s.Resolved)
}
