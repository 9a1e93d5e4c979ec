package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/token"
)

func cmdTokenCreate(ctx context.Context, e env, args []string) int {
	var path, name, scopes, source, owner, expires string
	if _, code := flags(e, "token create", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "configuration file")
		fs.StringVar(&name, "name", "", "token name (unique)")
		fs.StringVar(&scopes, "scope", "", "comma-separated scopes: scim, read, requests, nhi:write, catalog:write, audit, admin (api: all of them, as before)")
		fs.StringVar(&source, "source", "", "scim tokens: source name pushes are recorded under (default: the token name)")
		fs.StringVar(&owner, "owner", "", "person the token acts for and is revoked with: id, userName or email")
		fs.StringVar(&expires, "expires", "", "lifetime such as 90s, 12h or 30d (default and maximum: security.tokens)")
	}); code >= 0 {
		return code
	}
	if name == "" || scopes == "" {
		fmt.Fprintln(e.stderr, "syncd token create: --name and --scope are required")
		return exitUsage
	}
	spec := token.Spec{Name: name, Source: source}
	for _, s := range strings.Split(scopes, ",") {
		if s = strings.TrimSpace(s); s != "" {
			spec.Scopes = append(spec.Scopes, store.Scope(s))
		}
	}
	if expires != "" {
		var d Duration
		if err := d.UnmarshalText([]byte(expires)); err != nil || d <= 0 {
			fmt.Fprintf(e.stderr, "syncd token create: --expires %q: use a positive duration such as 90s, 12h or 30d\n", expires)
			return exitUsage
		}
		spec.Expires = time.Duration(d)
	}
	st, cfg, code := openMigrated(ctx, e, "token create", path)
	if code >= 0 {
		return code
	}
	defer st.Close()
	if owner != "" {
		id, err := resolveOwner(ctx, st, owner)
		if err != nil {
			fmt.Fprintf(e.stderr, "syncd token create: --owner %q: %v\n", owner, err)
			return exitFailure
		}
		spec.OwnerID = id
	}
	secret, _, err := token.IssueSpec(ctx, st, time.Now(), "cli", spec, cfg.Security.lifetime())
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd token create: %v\n", err)
		return exitFailure
	}
	fmt.Fprintln(e.stdout, secret)
	return exitOK
}

// resolveOwner finds one person by id, userName or email.
func resolveOwner(ctx context.Context, st store.Store, ref string) (string, error) {
	if p, err := st.GetPerson(ctx, ref); err == nil {
		return p.ID, nil
	}
	for _, key := range []store.MatchKey{store.MatchUserName, store.MatchEmail} {
		ps, err := st.FindPersons(ctx, key, ref)
		if err != nil {
			return "", err
		}
		if len(ps) == 1 {
			return ps[0].ID, nil
		}
		if len(ps) > 1 {
			return "", fmt.Errorf("%d persons have %s %q", len(ps), key, ref)
		}
	}
	return "", errors.New("no person has this id, userName or email")
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
	fmt.Fprintln(w, "ID\tNAME\tSCOPES\tOWNER\tSOURCE\tCREATED\tEXPIRES\tLAST USED\tREVOKED")
	for _, t := range ts {
		owner := "(system)"
		if t.OwnerID != "" {
			owner = t.OwnerID
			if p, err := st.GetPerson(ctx, t.OwnerID); err == nil {
				owner = p.UserName
			}
		}
		var scopes []string
		for _, s := range t.Scopes {
			if s == store.ScopeAPI {
				scopes = append(scopes, "api(legacy: all)")
				continue
			}
			scopes = append(scopes, string(s))
		}
		expires := "never"
		if t.ExpiresAt != nil {
			expires = t.ExpiresAt.Format(time.RFC3339)
			if !time.Now().Before(*t.ExpiresAt) {
				expires += " (expired)"
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, strings.Join(scopes, ","), owner, dash(t.Source),
			t.CreatedAt.Format(time.RFC3339), expires, timeOrDash(t.LastUsedAt), timeOrDash(t.RevokedAt))
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
