package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syncd-dev/syncd/internal/store"
)

func writeCatalogConfig(t *testing.T, dsn, catalog string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "catalog.yaml"), []byte(catalog), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "syncd.yaml")
	body := fmt.Sprintf("storage:\n  driver: sqlite\n  dsn: %q\n  autoMigrate: true\nlog:\n  level: warn\ncatalog:\n  files: [catalog.yaml]\n", dsn)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestConfigValidateCompilesCatalog(t *testing.T) {
	cfg := writeCatalogConfig(t, filepath.Join(t.TempDir(), "x.db"), `items:
  - id: a
    name: A
    kind: app-role
    owner: o@example.com
    risk: low
    eligibility: {when: 'beneficiary.department =='}
  - id: b
    name: B
    kind: spaceship
    owner: o@example.com
    risk: low
    approval:
      autoApprove: {when: 'beneficiary.department'}
  - id: c
    name: C
    kind: service-account-role
    owner: o@example.com
    risk: low
    fulfillment: {type: ldap-group, params: {source: corp}}
`)
	code, _, errOut := cli(t, noEnv, "config", "validate", "--config", cfg)
	if code != exitUsage {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		`catalog.yaml: items[1].kind: must be one of`,
		`catalog.yaml: items[2].fulfillment.params.group: missing (ldap-group needs source and group)`,
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	// With the shape fixed, the CEL conditions are compiled, naming items.
	cfg = writeCatalogConfig(t, filepath.Join(t.TempDir(), "x.db"), `items:
  - id: a
    name: A
    kind: app-role
    owner: o@example.com
    risk: low
    eligibility: {when: 'beneficiary.department =='}
  - id: b
    name: B
    kind: group
    owner: o@example.com
    risk: low
    approval:
      autoApprove: {when: 'beneficiary.department'}
`)
	code, _, errOut = cli(t, noEnv, "config", "validate", "--config", cfg)
	if code != exitUsage || !strings.Contains(errOut, `item "a": eligibility.when: compile`) || !strings.Contains(errOut, `item "b": approval.autoApprove.when: condition returns dyn, want bool`) {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func TestCatalogLint(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "syncd.db")
	catalog := `approverGroups:
  leads: [lena@example.com, ghost@example.com]
items:
  - id: reports
    name: Reports
    kind: app-role
    owner: olga@example.com
    risk: low
    eligibility: {departments: [Finance]}
    approval:
      stages: [{name: owner, approvers: [{itemOwner: true}], fallback: [{group: leads}]}]
    maxDuration: 30d
`
	cfg := writeCatalogConfig(t, dsn, catalog)
	st := openForTest(t, "sqlite", dsn)
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, p := range []store.Person{
		{UserName: "olga", Email: "olga@example.com", Status: store.StatusActive},
		{UserName: "lena", Email: "lena@example.com", Status: store.StatusActive},
		{UserName: "leo", Email: "leo@example.com", Status: store.StatusTerminated},
	} {
		if _, err := st.CreatePerson(t.Context(), p); err != nil {
			t.Fatal(err)
		}
	}

	code, out, errOut := cli(t, noEnv, "catalog", "lint", "--config", cfg)
	if code != exitOK || !strings.Contains(out, "1 item(s), 0 error(s), 1 warning(s)") || !strings.Contains(out, "group-member-unknown") {
		t.Fatalf("clean catalog: exit %d\n%s%s", code, out, errOut)
	}

	unsafe := strings.Replace(catalog, "owner: olga@example.com", "owner: leo@example.com", 1) + `  - id: key
    name: Key
    kind: api-key
    owner: olga@example.com
    risk: high
    approval:
      autoApprove: {jobFunctions: [engineer]}
`
	cfg = writeCatalogConfig(t, dsn, unsafe)
	code, out, _ = cli(t, noEnv, "catalog", "lint", "--config", cfg)
	for _, want := range []string{
		`error: reports [owner-inactive] owner "leo@example.com" is terminated`,
		"error: key [auto-approve-high-risk]",
		"error: key [credential-no-max]",
		"error: key [credential-no-environments]",
		"error: key [open-eligibility-high-risk]",
		"warning: key [stage-may-resolve-to-nobody]",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("lint output lacks %q:\n%s", want, out)
		}
	}
	if code != exitFailure {
		t.Fatalf("exit %d, want 1 on errors", code)
	}
}

func TestCatalogFulfillmentParamsValidated(t *testing.T) {
	cfg := writeCatalogConfig(t, filepath.Join(t.TempDir(), "x.db"), `items:
  - {id: a, name: A, kind: group, owner: o@x, risk: low, fulfillment: {type: scim, params: {group: g1}}}
  - {id: b, name: B, kind: group, owner: o@x, risk: low, fulfillment: {type: scim, params: {app: wiki, group: g1}}}
  - {id: c, name: C, kind: group, owner: o@x, risk: low, fulfillment: {type: webhook, params: {url: "https://hooks.example/x"}}}
`)
	code, _, errOut := cli(t, noEnv, "config", "validate", "--config", cfg)
	if code != exitUsage || !strings.Contains(errOut, "items[0].fulfillment.params.app: missing (scim needs app and group)") ||
		!strings.Contains(errOut, "items[2].fulfillment.params.secretEnv: missing (webhook needs url and secretEnv)") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	cfg = writeCatalogConfig(t, filepath.Join(t.TempDir(), "x.db"), `items:
  - {id: b, name: B, kind: group, owner: o@x, risk: low, fulfillment: {type: scim, params: {app: wiki, group: g1}}}
`)
	code, _, errOut = cli(t, noEnv, "config", "validate", "--config", cfg)
	if code != exitUsage || !strings.Contains(errOut, `item "b": fulfillment.params.app: "wiki" is not in access.scimApps`) {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}
