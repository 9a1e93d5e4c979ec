package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/store"
)

// syncd catalog changes lists pending changes; approve refuses the
// proposer and applies the change for another person.
func TestCatalogChangesCLI(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "x.db")
	cfgPath := writeCatalogConfig(t, dsn, `items:
  - id: reports
    name: Reports
    kind: app-role
    owner: olga@example.com
    risk: high
    eligibility: {departments: [Finance]}
    approval:
      stages: [{name: owner, approvers: [{itemOwner: true}], fallback: [{persons: [root@example.com, lena@example.com]}]}]
    maxDuration: 30d
`)
	st := openForTest(t, "sqlite", dsn)
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, name := range []string{"olga", "root", "lena"} {
		p, err := st.CreatePerson(t.Context(), store.Person{UserName: name, Email: name + "@example.com", Status: store.StatusActive})
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = p.ID
	}
	cfg, code := mustConfig(env{stderr: &strings.Builder{}, getenv: noEnv}, "test", cfgPath)
	if code >= 0 {
		t.Fatal("config")
	}
	cat, errs := cfg.Catalog.effectiveCatalog(t.Context(), st)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	svc, err := access.NewService(st, cat, map[string]access.Fulfiller{"manual": access.Manual{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ed := &catalog.Editor{Source: cfg.Catalog.source(), Store: st, Running: svc}
	it, ferrs := ed.ParseItem(t.Context(), "reports", []byte(`{"name":"Reports","kind":"app-role","owner":"olga@example.com","risk":"medium","eligibility":{"departments":["Finance"]},"maxDuration":"30d"}`))
	if len(ferrs) > 0 {
		t.Fatal(ferrs)
	}
	res, err := ed.Put(t.Context(), catalog.Actor{Actor: "person:" + ids["olga"], PersonID: ids["olga"]}, "reports",
		[]byte(`{"name":"Reports","kind":"app-role","owner":"olga@example.com","risk":"medium","eligibility":{"departments":["Finance"]},"maxDuration":"30d"}`), it)
	if err != nil || res.Change == nil {
		t.Fatalf("put: %+v %v", res, err)
	}
	id := res.Change.ID

	code, out, errOut := cli(t, noEnv, "catalog", "changes", "--config", cfgPath, "--state", "pending")
	if code != exitOK || !strings.Contains(out, id) || !strings.Contains(out, "risk lowered from high to medium") || !strings.Contains(out, "1 change(s)") {
		t.Fatalf("list: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = cli(t, noEnv, "catalog", "changes", "approve", "--config", cfgPath, "--as", "olga@example.com", id)
	if code != exitFailure || !strings.Contains(errOut, "you proposed this change") {
		t.Fatalf("proposer approving: exit %d: %s", code, errOut)
	}
	code, out, errOut = cli(t, noEnv, "catalog", "changes", "approve", id, "--config", cfgPath, "--as", "root", "--comment", "ok")
	if code != exitOK || !strings.Contains(out, "version 1") {
		t.Fatalf("approve: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = cli(t, noEnv, "catalog", "changes", "--config", cfgPath, "--state", "pending")
	if code != exitOK || !strings.Contains(out, "0 change(s)") {
		t.Fatalf("pending after approval: %s", out)
	}
	code, _, errOut = cli(t, noEnv, "catalog", "changes", "reject", "--config", cfgPath, "--as", "lena", id)
	if code != exitFailure || !strings.Contains(errOut, "no longer pending") {
		t.Fatalf("rejecting a decided change: exit %d: %s", code, errOut)
	}
	if code, _, _ := cli(t, noEnv, "catalog", "changes", "--config", cfgPath, "--state", "maybe"); code != exitUsage {
		t.Fatalf("bad state: exit %d", code)
	}
}
