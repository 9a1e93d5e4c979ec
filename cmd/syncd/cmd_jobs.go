package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var jobStates = []string{string(store.JobQueued), string(store.JobRunning), string(store.JobDone), string(store.JobFailed)}

func cmdJobsList(ctx context.Context, e env, args []string) int {
	var path, state, kind, format string
	var limit int
	if _, code := flags(e, "jobs list", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "configuration file")
		fs.StringVar(&state, "state", "", "only jobs in this state: "+strings.Join(jobStates, ", "))
		fs.StringVar(&kind, "kind", "", "only jobs of this kind")
		fs.IntVar(&limit, "limit", 50, "at most this many, newest first")
		fs.StringVar(&format, "format", "table", "table or json")
	}); code >= 0 {
		return code
	}
	if state != "" && !slices.Contains(jobStates, state) {
		fmt.Fprintf(e.stderr, "syncd jobs list: --state must be one of %s\n", strings.Join(jobStates, ", "))
		return exitUsage
	}
	if format != "table" && format != "json" {
		fmt.Fprintln(e.stderr, "syncd jobs list: --format must be table or json")
		return exitUsage
	}
	st, _, code := openMigrated(ctx, e, "jobs list", path)
	if code >= 0 {
		return code
	}
	defer st.Close()
	js, err := st.ListJobs(ctx, store.JobQuery{State: store.JobState(state), Kind: kind, Limit: limit})
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd jobs list: %v\n", err)
		return exitFailure
	}
	if format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if js == nil {
			js = []store.Job{}
		}
		_ = enc.Encode(js)
		return exitOK
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tKIND\tKEY\tSTATE\tRUN AT\tATTEMPTS\tHOLDER\tLAST ERROR")
	for _, j := range js {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", j.ID, j.Kind, j.Key, j.State, j.RunAt.Format(time.RFC3339),
			j.Attempts, dash(j.LeaseHolder), dash(oneLine(j.LastError, 80)))
	}
	w.Flush()
	return exitOK
}

func cmdJobsRetry(ctx context.Context, e env, args []string) int {
	// The job id is the last argument: syncd jobs retry --config F ID.
	var idArg string
	if n := len(args); n > 0 && !strings.HasPrefix(args[n-1], "-") && (n == 1 || args[n-2] != "--config" && args[n-2] != "-config") {
		idArg, args = args[n-1], args[:n-1]
	}
	var path string
	if _, code := flags(e, "jobs retry", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "configuration file")
	}); code >= 0 {
		return code
	}
	id, err := strconv.ParseInt(idArg, 10, 64)
	if err != nil || id <= 0 {
		fmt.Fprintln(e.stderr, "syncd jobs retry: give the id of a failed job (see syncd jobs list --state failed)")
		return exitUsage
	}
	st, _, code := openMigrated(ctx, e, "jobs retry", path)
	if code >= 0 {
		return code
	}
	defer st.Close()
	j, err := st.RetryJob(ctx, id, time.Now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		fmt.Fprintf(e.stderr, "syncd jobs retry: no job %d\n", id)
		return exitFailure
	case errors.Is(err, store.ErrConflict):
		fmt.Fprintf(e.stderr, "syncd jobs retry: job %d is not failed\n", id)
		return exitFailure
	case err != nil:
		fmt.Fprintf(e.stderr, "syncd jobs retry: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(e.stdout, "job %d (%s %s) queued again\n", j.ID, j.Kind, j.Key)
	return exitOK
}

// oneLine shortens s to its first line and at most n runes.
func oneLine(s string, n int) string {
	s, _, _ = strings.Cut(s, "\n")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
