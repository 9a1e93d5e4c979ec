package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/store"
)

// cmdCatalogChanges lists governed (four-eyes) catalog changes.
func cmdCatalogChanges(ctx context.Context, e env, args []string) int {
	var path, state string
	var asJSON bool
	if _, code := flags(e, "catalog changes", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "configuration file")
		fs.StringVar(&state, "state", "", "pending, approved or rejected (default: all)")
		fs.BoolVar(&asJSON, "json", false, "print the changes as JSON")
	}); code >= 0 {
		return code
	}
	switch state {
	case "", store.ChangePending, store.ChangeApproved, store.ChangeRejected:
	default:
		fmt.Fprintf(e.stderr, "syncd catalog changes: --state must be pending, approved or rejected, got %q\n", state)
		return exitUsage
	}
	st, _, code := openMigrated(ctx, e, "catalog changes", path)
	if code >= 0 {
		return code
	}
	defer st.Close()
	cs, err := st.ListCatalogChanges(ctx, state)
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd catalog changes: %v\n", err)
		return exitFailure
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(cs); err != nil {
			return exitFailure
		}
		return exitOK
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tITEM\tSTATE\tPROPOSER\tCREATED\tDECIDED BY\tREASONS")
	for _, c := range cs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.ItemID, c.State, c.Proposer, c.CreatedAt.UTC().Format("2006-01-02 15:04"),
			orDash(c.DecidedBy), strings.Join(c.Reasons, "; "))
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "%d change(s)\n", len(cs))
	return exitOK
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// cmdCatalogChangesApprove and cmdCatalogChangesReject decide a pending
// change from the command line, as the person --as names, with an
// admin's standing (whoever runs it holds the database): the proposer is
// still refused, lint and staleness are checked as through the API.
// Running daemons pick the new version up at their periodic reload.
func cmdCatalogChangesApprove(ctx context.Context, e env, args []string) int {
	return decideCatalogChange(ctx, e, "catalog changes approve", args, true)
}

func cmdCatalogChangesReject(ctx context.Context, e env, args []string) int {
	return decideCatalogChange(ctx, e, "catalog changes reject", args, false)
}

func decideCatalogChange(ctx context.Context, e env, name string, args []string, approve bool) int {
	var path, as, comment, id string
	fs := flag.NewFlagSet("syncd "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.StringVar(&path, "config", "", "configuration file")
	fs.StringVar(&as, "as", "", "the deciding person (email, employee number or userName)")
	fs.StringVar(&comment, "comment", "", "why")
	// The change id may come before or after the flags.
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if id == "" && fs.NArg() == 1 {
		id = fs.Arg(0)
	} else if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "syncd %s: unexpected argument %q\n", name, fs.Arg(fs.NArg()-1))
		return exitUsage
	}
	if id == "" || as == "" {
		fmt.Fprintf(e.stderr, "syncd %s: a change id and --as are required\n", name)
		return exitUsage
	}
	st, cfg, code := openMigrated(ctx, e, name, path)
	if code >= 0 {
		return code
	}
	defer st.Close()
	person := catalog.PersonResolver(ctx, st)(as)
	if person == "" {
		fmt.Fprintf(e.stderr, "syncd %s: --as %q matches no single person\n", name, as)
		return exitUsage
	}
	cat, errs := cfg.Catalog.effectiveCatalog(ctx, st)
	if len(errs) > 0 {
		fmt.Fprintf(e.stderr, "syncd %s: %v\n", name, errs)
		return exitUsage
	}
	ed := &catalog.Editor{Source: cfg.Catalog.source(), Store: st, Running: &catalog.Static{Cat: cat},
		WebhookAllow: cfg.Security.WebhookAllowList, SecretSet: cfg.Access.webhookSecretSet}
	who := catalog.Actor{Actor: "person:" + person, PersonID: person, Admin: true}
	if approve {
		c, v, _, err := ed.Approve(ctx, who, id, comment)
		if err != nil {
			fmt.Fprintf(e.stderr, "syncd %s: %v\n", name, err)
			return exitFailure
		}
		fmt.Fprintf(e.stdout, "change %s approved: item %s is at version %d\n", c.ID, c.ItemID, v.Version)
		return exitOK
	}
	c, err := ed.Reject(ctx, who, id, comment)
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd %s: %v\n", name, err)
		return exitFailure
	}
	fmt.Fprintf(e.stdout, "change %s rejected\n", c.ID)
	return exitOK
}
