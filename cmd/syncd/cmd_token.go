package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/token"
)

func cmdTokenCreate(ctx context.Context, e env, args []string) int {
	var path, name, scope, source string
	if _, code := flags(e, "token create", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "configuration file")
		fs.StringVar(&name, "name", "", "token name (unique)")
		fs.StringVar(&scope, "scope", "", "scim or api")
		fs.StringVar(&source, "source", "", "scim tokens: source name pushes are recorded under (default: the token name)")
	}); code >= 0 {
		return code
	}
	if name == "" || scope == "" {
		fmt.Fprintln(e.stderr, "syncd token create: --name and --scope are required")
		return exitUsage
	}
	st, _, code := openMigrated(ctx, e, "token create", path)
	if code >= 0 {
		return code
	}
	defer st.Close()
	secret, _, err := token.Issue(ctx, st, time.Now(), "cli", name, store.Scope(scope), source)
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd token create: %v\n", err)
		return exitFailure
	}
	fmt.Fprintln(e.stdout, secret)
	return exitOK
}

func cmdTokenList(ctx context.Context, e env, args []string) int {
	var path string
	if _, code := flags(e, "token list", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "configuration file")
	}); code >= 0 {
		return code
	}
	st, _, code := openMigrated(ctx, e, "token list", path)
	if code >= 0 {
		return code
	}
	defer st.Close()
	ts, err := st.ListTokens(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd token list: %v\n", err)
		return exitFailure
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tSCOPE\tSOURCE\tCREATED\tLAST USED\tREVOKED")
	for _, t := range ts {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Scope, dash(t.Source),
			t.CreatedAt.Format(time.RFC3339), timeOrDash(t.LastUsedAt), timeOrDash(t.RevokedAt))
	}
	w.Flush()
	return exitOK
}

func cmdTokenRevoke(ctx context.Context, e env, args []string) int {
	var path, name string
	if _, code := flags(e, "token revoke", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "configuration file")
		fs.StringVar(&name, "name", "", "token name or id")
	}); code >= 0 {
		return code
	}
	if name == "" {
		fmt.Fprintln(e.stderr, "syncd token revoke: --name is required")
		return exitUsage
	}
	st, _, code := openMigrated(ctx, e, "token revoke", path)
	if code >= 0 {
		return code
	}
	defer st.Close()
	t, err := token.Revoke(ctx, st, time.Now(), "cli", name)
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd token revoke: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(e.stdout, "revoked token %s (%s)\n", t.Name, t.ID)
	return exitOK
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func timeOrDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}
