package main

import (
	"fmt"
	"github.com/syncd-dev/syncd/internal/catalog"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/jobs"
	"github.com/syncd-dev/syncd/internal/ldap/ldaptest"
	"github.com/syncd-dev/syncd/internal/store"
)

// TestLDAPGroupWiring pulls an Operations person from slapd with `syncd
// sync` (so their link carries the DN), then lets the access service serve
// builds grant and expire an ldap-group item through sources[0].ldap.write.
func TestLDAPGroupWiring(t *testing.T) {
	const suffix = "dc=example,dc=org"
	oscar := "uid=oscar,ou=people," + suffix
	srv := ldaptest.Start(t, ldaptest.Options{LDIF: ldaptest.Generate(suffix, ldaptest.Directory{People: 2, Groups: 1}) +
		fmt.Sprintf("dn: %s\nobjectClass: inetOrgPerson\nuid: oscar\ncn: Oscar\nsn: Oscar\nmail: oscar@example.org\ndepartmentNumber: Operations\n\n", oscar)})
	group := ldaptest.GroupDN(suffix, 0)
	dir := t.TempDir()
	dsn := filepath.Join(dir, "syncd.db")
	catalogYAML := fmt.Sprintf(`items:
  - id: deploy-bot-operator
    name: Deploy bot operator
    kind: service-account-role
    owner: oscar@example.org
    risk: low
    eligibility: {departments: [Operations]}
    approval:
      autoApprove: {when: 'beneficiary.department == "Operations"'}
    maxDuration: 30d
    defaultDuration: 7d
    fulfillment: {type: ldap-group, params: {source: corp, group: %q}}
`, group)
	cfgPath := filepath.Join(dir, "syncd.yaml")
	for name, body := range map[string]string{"catalog.yaml": catalogYAML, "syncd.yaml": fmt.Sprintf(`storage: {driver: sqlite, dsn: %q, autoMigrate: true}
log: {level: warn}
catalog: {files: [catalog.yaml]}
sources:
  - name: corp
    role: directory
    type: ldap
    interval: 15m
    ldap:
      url: %s
      bindDN: %s
      bindPasswordEnv: TEST_LDAP_PASSWORD
      people: {baseDN: "ou=people,%s"}
      write: {bindDN: %q, bindPasswordEnv: TEST_LDAP_WRITE_PASSWORD}
`, dsn, srv.URL, srv.ReaderDN, suffix, srv.WriterDN)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := envMap(map[string]string{"TEST_LDAP_PASSWORD": srv.ReaderPassword, "TEST_LDAP_WRITE_PASSWORD": srv.WriterPassword})
	if code, out, errOut := cli(t, env, "sync", "--config", cfgPath, "--source", "corp"); code != exitOK {
		t.Fatalf("sync: %d %s %s", code, out, errOut)
	}

	cfg, err := loadConfig(cfgPath, env)
	if err != nil {
		t.Fatal(err)
	}
	st := openForTest(t, "sqlite", dsn)
	dirs, err := cfg.openDirectoryWriters()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dirs.Close)
	d := &daemon{cfg: cfg, store: st, logger: slog.New(slog.DiscardHandler), jobs: &jobs.Runner{}, dirs: dirs}
	if err := d.startAccess(t.Context()); err != nil {
		t.Fatal(err)
	}
	// serve starts the per-process loops, the fulfillment worker among
	// them; this test has no serve.
	for _, loop := range d.local {
		go loop(t.Context())
	}
	now := time.Now().UTC()
	d.access.Now = func() time.Time { return now }
	oscarID := catalog.PersonResolver(t.Context(), st)("oscar@example.org")
	out, err := d.access.Submit(t.Context(), access.Submission{RequesterID: oscarID, ItemID: "deploy-bot-operator"})
	if err != nil {
		t.Fatal(err)
	}
	// The daemon's worker fulfils the grant after the commit, outside
	// the submission.
	if g := waitGrant(t, st, out.Grant.ID, store.GrantActive); !slices.Contains(srv.Members(t, group), oscar) {
		t.Fatalf("grant %+v, members %v", g, srv.Members(t, group))
	}
	now = now.Add(8 * 24 * time.Hour)
	if res, err := d.access.Sweep(t.Context()); err != nil || res.Expired != 1 || len(res.Errors) > 0 {
		t.Fatalf("sweep: %+v %v", res, err)
	}
	waitGrant(t, st, out.Grant.ID, store.GrantEnded)
	if slices.Contains(srv.Members(t, group), oscar) {
		t.Fatalf("oscar is still a member after expiry")
	}
}

// waitGrant waits (up to 10s) for the daemon's fulfillment worker to move
// a grant to state.
func waitGrant(t *testing.T, st store.Store, id string, state store.GrantState) store.Grant {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		g, err := st.GetGrant(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if g.State == state {
			return g
		}
		if time.Now().After(deadline) {
			t.Fatalf("grant %s is %s (%s), want %s", id, g.State, g.FulfillmentError, state)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
