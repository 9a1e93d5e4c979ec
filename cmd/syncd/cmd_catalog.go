package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"github.com/syncd-dev/syncd/internal/catalog"
	"os"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/strictyaml"
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
	st, cfg, code := openMigrated(ctx, e, "catalog lint", path)
	if code >= 0 {
		return code
	}
	defer st.Close()
	if len(cfg.Catalog.Files) == 0 {
		fmt.Fprintln(e.stderr, "syncd catalog lint: no catalog.files configured")
		return exitUsage
	}
	// The catalog in force: files and the item versions stored through
	// the API.
	cat, errs := cfg.Catalog.effectiveCatalog(ctx, st)
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
	findings := catalog.LintAll(cat, catalog.PersonStatus(ctx, st))
	errorsFound := 0
	for _, f := range findings {
		fmt.Fprintln(e.stdout, f)
		if f.Severity == catalog.SeverityError {
			errorsFound++
		}
	}
	fmt.Fprintf(e.stdout, "%d item(s), %d error(s), %d warning(s)\n", len(cat.Items), errorsFound, len(findings)-errorsFound)
	if errorsFound > 0 {
		return exitFailure
	}
	return exitOK
}

// cmdCatalogSimulate evaluates a changed policy for one item against the
// requests recorded for it and its live grants, before the change lands.
func cmdCatalogSimulate(ctx context.Context, e env, args []string) int {
	var path, itemID, policyFile string
	var asJSON bool
	if _, code := flags(e, "catalog simulate", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "configuration file")
		fs.StringVar(&itemID, "item", "", "catalog item id")
		fs.StringVar(&policyFile, "policy", "", "YAML file holding the changed item (one entry of a catalog file's items)")
		fs.BoolVar(&asJSON, "json", false, "print the result as JSON")
	}); code >= 0 {
		return code
	}
	if itemID == "" || policyFile == "" {
		fmt.Fprintln(e.stderr, "syncd catalog simulate: --item and --policy are required")
		return exitUsage
	}
	st, cfg, code := openMigrated(ctx, e, "catalog simulate", path)
	if code >= 0 {
		return code
	}
	defer st.Close()
	resolve := catalog.PersonResolver(ctx, st)
	cat, errs := cfg.Catalog.effectiveCatalog(ctx, st)
	if len(errs) > 0 {
		fmt.Fprintf(e.stderr, "syncd catalog simulate: %v\n", errs)
		return exitUsage
	}
	raw, err := os.ReadFile(policyFile)
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd catalog simulate: %v\n", err)
		return exitUsage
	}
	var changed catalog.FileItem
	if err := strictyaml.Decode(raw, &changed); err != nil {
		fmt.Fprintf(e.stderr, "syncd catalog simulate: %s:\n%v\n", policyFile, err)
		return exitUsage
	}
	if changed.ID == "" {
		changed.ID = itemID
	}
	if changed.ID != itemID {
		fmt.Fprintf(e.stderr, "syncd catalog simulate: %s defines item %q, not %q\n", policyFile, changed.ID, itemID)
		return exitUsage
	}
	if ferrs := changed.Check(policyFile); len(ferrs) > 0 {
		fmt.Fprintf(e.stderr, "syncd catalog simulate: %v\n", ferrs)
		return exitUsage
	}
	found := false
	for i, it := range cat.Items {
		if it.ID == itemID {
			cat.Items[i], found = changed.ToItem(resolve), true
		}
	}
	if !found {
		fmt.Fprintf(e.stderr, "syncd catalog simulate: no catalog item %q\n", itemID)
		return exitUsage
	}
	sim, err := catalog.Simulate(ctx, st, cat, itemID, time.Now(), access.Subject)
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd catalog simulate: %v\n", err)
		return exitFailure
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.Encode(sim)
		return exitOK
	}
	fmt.Fprintf(e.stdout, "item %s: %d of %d recorded request(s) would be decided differently; %d of %d live grant(s) would no longer be eligible\n",
		itemID, len(sim.Changed), sim.Requests, len(sim.NoLongerEligible), sim.Grants)
	for _, c := range sim.Changed {
		fmt.Fprintf(e.stdout, "  request %s: %s -> %s (%s)\n", c.RequestID, c.Old, c.New, c.Explanation)
	}
	for _, l := range sim.NoLongerEligible {
		fmt.Fprintf(e.stdout, "  grant %s held by %s: %s\n", l.GrantID, l.HolderID, l.Reason)
	}
	return exitOK
}
