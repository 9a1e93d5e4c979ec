package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
)

var campaignFormats = []string{"table", "json"}

// openReview opens the store and the campaign engine for a campaign command.
func openReview(ctx context.Context, e env, cmd, path string) (*gormstore.Store, *review.Service, func(), int) {
	st, cfg, code := openMigrated(ctx, e, cmd, path)
	if code >= 0 {
		return nil, nil, nil, code
	}
	svc, closeFn, err := cfg.reviewService(ctx, st, nil, nil, newLogger(e.stderr, cfg.Log))
	if err != nil {
		st.Close()
		fmt.Fprintf(e.stderr, "syncd %s: %v\n", cmd, err)
		return nil, nil, nil, exitFailure
	}
	return st, svc, func() { closeFn(); st.Close() }, -1
}

type campaignListJSON struct {
	Definitions []definitionJSON   `json:"definitions"`
	Campaigns   []campaignLineJSON `json:"campaigns"`
}

type definitionJSON struct {
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	Description string `json:"description,omitempty"`
	Schedule    string `json:"schedule,omitempty"`
}

type campaignLineJSON struct {
	ID         string    `json:"id"`
	Definition string    `json:"definition"`
	State      string    `json:"state"`
	StartedAt  time.Time `json:"startedAt"`
	DueAt      time.Time `json:"dueAt"`
}

// cmdCampaignList lists the definitions and the campaigns that started.
func cmdCampaignList(ctx context.Context, e env, args []string) int {
	var path, format string
	if _, code := flags(e, "campaign list", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "configuration file")
		fs.StringVar(&format, "format", "table", "table or json")
	}); code >= 0 {
		return code
	}
	if code := checkFormat(e, "campaign list", format, campaignFormats); code >= 0 {
		return code
	}
	_, svc, done, code := openReview(ctx, e, "campaign list", path)
	if code >= 0 {
		return code
	}
	defer done()
	cs, err := svc.List(ctx, "")
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd campaign list: %v\n", err)
		return exitFailure
	}
	out := campaignListJSON{Definitions: []definitionJSON{}, Campaigns: []campaignLineJSON{}}
	for _, d := range svc.Definitions() {
		sched := d.Schedule.Frequency
		if d.Kind == store.CampaignMover {
			sched = "on mover events"
		}
		out.Definitions = append(out.Definitions, definitionJSON{Name: d.Name, Kind: d.Kind, Description: d.Description, Schedule: sched})
	}
	for _, c := range cs {
		out.Campaigns = append(out.Campaigns, campaignLineJSON{ID: c.ID, Definition: c.Definition, State: string(c.State), StartedAt: c.StartedAt, DueAt: c.DueAt})
	}
	if format == "json" {
		if err := writeJSON(e.stdout, out); err != nil {
			fmt.Fprintf(e.stderr, "syncd campaign list: %v\n", err)
			return exitFailure
		}
		return exitOK
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "DEFINITION\tKIND\tSCHEDULE")
	for _, d := range out.Definitions {
		fmt.Fprintf(w, "%s\t%s\t%s\n", d.Name, d.Kind, dash(d.Schedule))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "CAMPAIGN\tDEFINITION\tSTATE\tSTARTED\tDUE")
	for _, c := range out.Campaigns {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Definition, c.State, c.StartedAt.Format(time.RFC3339), c.DueAt.Format(time.RFC3339))
	}
	if err := w.Flush(); err != nil {
		return exitFailure
	}
	return exitOK
}

// cmdCampaignStart starts a campaign by hand and generates it; the new
// campaign's id is the last line of the output.
func cmdCampaignStart(ctx context.Context, e env, args []string) int {
	var path, name string
	if _, code := flags(e, "campaign start", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "configuration file")
		fs.StringVar(&name, "definition", "", "campaign definition name (review.campaigns[].name)")
	}); code >= 0 {
		return code
	}
	if name == "" {
		fmt.Fprintln(e.stderr, "syncd campaign start: --definition is required")
		return exitUsage
	}
	_, svc, done, code := openReview(ctx, e, "campaign start", path)
	if code >= 0 {
		return code
	}
	defer done()
	tty := isTerminal(e.stdout)
	began := time.Now()
	opts := review.StartOptions{}
	if tty {
		opts.Progress = func(n int) {
			fmt.Fprintf(e.stdout, "\rgenerating: %d item(s), %.0f/s", n, float64(n)/max(time.Since(began).Seconds(), 0.001))
		}
	}
	c, err := svc.Start(ctx, name, "cli", opts)
	if tty {
		fmt.Fprintln(e.stdout)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd campaign start: %v\n", err)
		if errors.Is(err, review.ErrUnknownDefinition) || errors.Is(err, review.ErrInvalid) {
			return exitUsage
		}
		return exitFailure
	}
	if c.State == store.CampaignEmpty {
		fmt.Fprintf(e.stdout, "%s: nothing in scope; no campaign started\n", name)
	} else {
		fmt.Fprintf(e.stdout, "%s: %d item(s), %s, due %s\n", name, c.Generated, c.State, c.DueAt.Format(time.RFC3339))
	}
	fmt.Fprintln(e.stdout, c.ID)
	return exitOK
}

// cmdCampaignStatus prints a campaign's counts.
func cmdCampaignStatus(ctx context.Context, e env, args []string) int {
	var path, id, format string
	if _, code := flags(e, "campaign status", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "configuration file")
		fs.StringVar(&id, "id", "", "campaign id")
		fs.StringVar(&format, "format", "table", "table or json")
	}); code >= 0 {
		return code
	}
	if code := checkFormat(e, "campaign status", format, campaignFormats); code >= 0 {
		return code
	}
	if id == "" {
		fmt.Fprintln(e.stderr, "syncd campaign status: --id is required")
		return exitUsage
	}
	_, svc, done, code := openReview(ctx, e, "campaign status", path)
	if code >= 0 {
		return code
	}
	defer done()
	st, err := svc.Status(ctx, id)
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd campaign status: %v\n", err)
		return exitFailure
	}
	if format == "json" {
		if err := writeJSON(e.stdout, st); err != nil {
			return exitFailure
		}
		return exitOK
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "campaign\t%s (%s)\nstate\t%s, stage %d of %d, due %s\n", st.ID, st.Definition, st.State, st.Stage+1, st.Stages, st.StageDueAt.Format(time.RFC3339))
	fmt.Fprintf(w, "items\t%d: %d certified, %d revoked, %d undecided, %d reassigned, %d by default, %d escalated\n",
		st.Total, st.Certified, st.Revoked, st.Undecided, st.Reassigned, st.Defaulted, st.Escalated)
	r := st.Remediation
	fmt.Fprintf(w, "remediation\t%d requested, %d fulfilled, %d verified, %d failed, %d unverified\n", r.Requested, r.Fulfilled, r.Verified, r.Failed, r.Unverified)
	for _, n := range st.Report {
		fmt.Fprintf(w, "report\t%s\n", n.Text)
	}
	if err := w.Flush(); err != nil {
		return exitFailure
	}
	return exitOK
}

// cmdCampaignClose applies the non-response default now and closes.
func cmdCampaignClose(ctx context.Context, e env, args []string) int {
	var path, id string
	if _, code := flags(e, "campaign close", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "configuration file")
		fs.StringVar(&id, "id", "", "campaign id")
	}); code >= 0 {
		return code
	}
	if id == "" {
		fmt.Fprintln(e.stderr, "syncd campaign close: --id is required")
		return exitUsage
	}
	_, svc, done, code := openReview(ctx, e, "campaign close", path)
	if code >= 0 {
		return code
	}
	defer done()
	if _, err := svc.Close(ctx, id, "cli"); err != nil {
		fmt.Fprintf(e.stderr, "syncd campaign close: %v\n", err)
		return exitFailure
	}
	st, err := svc.Status(ctx, id)
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd campaign close: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(e.stdout, "%s: %s; %d certified, %d revoked (%d by default), %d escalated; remediation %d fulfilled, %d failed\n",
		st.ID, st.State, st.Certified, st.Revoked, st.Defaulted, st.Escalated, st.Remediation.Fulfilled, st.Remediation.Failed)
	return exitOK
}
