package main

import (
	"fmt"
	"github.com/syncd-dev/syncd/internal/catalog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/identity"
)

func TestCatalogSimulateAndRequestList(t *testing.T) {
	dir := t.TempDir()
	dsn := filepath.Join(dir, "syncd.db")
	catalogYAML := `items:
  - id: reports
    name: Reports
    kind: app-role
    owner: olga@example.com
    risk: low
    eligibility: {jobFunctions: [analyst], departments: [Sales]}
    approval:
      autoApprove: {jobFunctions: [analyst]}
      stages: [{name: owner, approvers: [{itemOwner: true}]}]
    maxDuration: 30d
`
	os.WriteFile(filepath.Join(dir, "catalog.yaml"), []byte(catalogYAML), 0o600)
	cfgPath := filepath.Join(dir, "syncd.yaml")
	os.WriteFile(cfgPath, []byte(fmt.Sprintf(`storage: {driver: sqlite, dsn: %q, autoMigrate: true}
log: {level: warn}
identity:
  jobFunctions:
    - {rule: analyst, jobFunction: analyst, when: 'person.title == "Analyst"'}
sources: [{name: hr, role: hr, type: scim-push}]
catalog: {files: [catalog.yaml]}
`, dsn)), 0o600)

	cfg, err := loadConfig(cfgPath, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	st := openForTest(t, "sqlite", dsn)
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	idsvc, err := identity.New(cfg.identityConfig(), st)
	if err != nil {
		t.Fatal(err)
	}
	var changes []identity.Change
	for _, p := range []struct{ login, dept, title string }{{"olga", "Finance", "Controller"}, {"ana", "Finance", "Analyst"}, {"sam", "Sales", "Rep"}} {
		changes = append(changes, identity.Change{Op: identity.OpUpsert, Record: identity.Record{ExternalID: p.login,
			Attributes: map[string]string{"userName": p.login, "email": p.login + "@example.com", "department": p.dept, "title": p.title}}})
	}
	res, err := idsvc.Apply(t.Context(), identity.Batch{Source: "hr", Changes: changes})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, a := range res.Applied {
		ids[a.ExternalID] = a.PersonID
	}
	cat, errs := cfg.Catalog.loadCatalog(catalog.PersonResolver(t.Context(), st))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	svc, err := access.NewService(st, cat, map[string]access.Fulfiller{"manual": access.Manual{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"ana", "sam"} {
		if _, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids[who], ItemID: "reports"}); err != nil {
			t.Fatal(err)
		}
	}

	code, out, errOut := cli(t, noEnv, "request", "list", "--config", cfgPath, "--person", "sam@example.com")
	if code != 0 || !strings.Contains(out, "pending") || !strings.Contains(out, "needs approval: sam is in department Sales") || strings.Contains(out, "approved") {
		t.Fatalf("request list: %d\n%s%s", code, out, errOut)
	}

	changed := filepath.Join(dir, "changed.yaml")
	os.WriteFile(changed, []byte(`id: reports
name: Reports
kind: app-role
owner: olga@example.com
risk: low
eligibility: {jobFunctions: [analyst]}
approval:
  autoApprove: {jobFunctions: [analyst]}
maxDuration: 30d
`), 0o600)
	code, out, errOut = cli(t, noEnv, "catalog", "simulate", "--config", cfgPath, "--item", "reports", "--policy", changed)
	if code != 0 || !strings.Contains(out, "1 of 2 recorded request(s) would be decided differently") || !strings.Contains(out, "approval -> deny") {
		t.Fatalf("simulate: %d\n%s%s", code, out, errOut)
	}
	os.WriteFile(changed, []byte("id: reports\nname: R\nkind: app-role\nrisk: low\ncolour: red\n"), 0o600)
	if code, _, errOut := cli(t, noEnv, "catalog", "simulate", "--config", cfgPath, "--item", "reports", "--policy", changed); code != exitUsage || !strings.Contains(errOut, "colour: unknown option") {
		t.Fatalf("bad policy file: %d %s", code, errOut)
	}
}
