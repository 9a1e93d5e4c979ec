package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
)

// cmdCatalogLint loads the catalog with owners and approvers resolved
// against the store, compiles its policies, and prints every lint finding.
// It exits 1 when any finding is an error, 0 with warnings only.
func cmdCatalogLint(ctx context.Context, e env, args []string) int {
	var path string
	if _, code := flags(e, "catalog lint", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "configuration file")
	}); code >= 0 {
		return code
	}
	st, code := openMigrated(ctx, e, "catalog lint", path)
	if code >= 0 {
		return code
	}
	defer st.Close()
	cfg, _ := loadConfig(path, e.getenv) // already validated by openMigrated
	if len(cfg.Catalog.Files) == 0 {
		fmt.Fprintln(e.stderr, "syncd catalog lint: no catalog.files configured")
		return exitUsage
	}
	cat, errs := cfg.Catalog.loadCatalog(personResolver(ctx, st))
	if len(errs) > 0 {
		for _, fe := range errs {
			fmt.Fprintf(e.stderr, "  %s\n", fe)
		}
		return exitUsage
	}
	if _, perrs := policy.Compile(cat.Specs()); len(perrs) > 0 {
		for _, err := range perrs {
			fmt.Fprintf(e.stderr, "  %v\n", err)
		}
		return exitUsage
	}
	findings := access.Lint(cat, func(id string) (string, bool) {
		p, err := st.GetPerson(ctx, id)
		if err != nil {
			return "", false
		}
		return string(p.Status), true
	})
	for group, refs := range cat.UnresolvedMembers {
		findings = append(findings, access.LintFinding{Item: "approverGroups." + group, Severity: access.SeverityWarning,
			Rule: "group-member-unknown", Message: fmt.Sprintf("members %v match no person", refs)})
	}
	errorsFound := 0
	for _, f := range findings {
		fmt.Fprintln(e.stdout, f)
		if f.Severity == access.SeverityError {
			errorsFound++
		}
	}
	fmt.Fprintf(e.stdout, "%d item(s), %d error(s), %d warning(s)\n", len(cat.Items), errorsFound, len(findings)-errorsFound)
	if errorsFound > 0 {
		return exitFailure
	}
	return exitOK
}

// personResolver resolves a catalog's person reference by email, then
// employee number, then userName; ambiguous or unknown references resolve
// to "".
func personResolver(ctx context.Context, st store.Tx) func(string) string {
	return func(ref string) string {
		for _, key := range []store.MatchKey{store.MatchEmail, store.MatchEmployeeNumber, store.MatchUserName} {
			ps, err := st.FindPersons(ctx, key, ref)
			if err == nil && len(ps) == 1 {
				return ps[0].ID
			}
		}
		return ""
	}
}
