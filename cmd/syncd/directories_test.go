package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/ldap"
	"github.com/syncd-dev/syncd/internal/ldap/ldaptest"
)

// TestOneDirectoryWriterPerSource: serve opens one LDAP writer per source
// with write credentials, and access fulfillment (ldap-group), NHI
// remediation (disable, owner write-back) and campaign revocations all
// write through that one instance; a source without write credentials
// gets none.
func TestOneDirectoryWriterPerSource(t *testing.T) {
	const suffix = "dc=example,dc=org"
	srv := ldaptest.Start(t, ldaptest.Options{LDIF: ldaptest.Generate(suffix, ldaptest.Directory{People: 1, Groups: 1})})
	dir := t.TempDir()
	dsn := filepath.Join(dir, "syncd.db")
	files := map[string]string{
		"catalog.yaml": fmt.Sprintf(`items:
  - {id: ops, name: Ops, kind: group, owner: o@x, risk: low, maxDuration: 30d, fulfillment: {type: ldap-group, params: {source: corp, group: %q}}}
`, ldaptest.GroupDN(suffix, 0)),
		"syncd.yaml": fmt.Sprintf(`storage: {driver: sqlite, dsn: %q, autoMigrate: true}
log: {level: warn}
catalog: {files: [catalog.yaml]}
sources:
  - name: corp
    role: directory
    type: ldap
    interval: 15m
    ldap:
      url: %[2]s
      bindDN: %[3]s
      bindPasswordEnv: TEST_LDAP_PASSWORD
      people: {baseDN: "ou=people,%[4]s"}
      write: {bindDN: %[5]q, bindPasswordEnv: TEST_LDAP_WRITE_PASSWORD}
  - name: readonly
    role: directory
    type: ldap
    interval: 15m
    ldap:
      url: %[2]s
      bindDN: %[3]s
      bindPasswordEnv: TEST_LDAP_PASSWORD
      people: {baseDN: "ou=people,%[4]s"}
`, dsn, srv.URL, srv.ReaderDN, suffix, srv.WriterDN),
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := envMap(map[string]string{"TEST_LDAP_PASSWORD": srv.ReaderPassword, "TEST_LDAP_WRITE_PASSWORD": srv.WriterPassword})
	cfg, err := loadConfig(filepath.Join(dir, "syncd.yaml"), env)
	if err != nil {
		t.Fatal(err)
	}
	st := openForTest(t, "sqlite", dsn)
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	d, err := newDaemon(t.Context(), cfg, st, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.close)

	if len(d.dirs) != 1 || d.dirs["corp"] == nil {
		t.Fatalf("directory writers %v, want one for corp", d.dirs)
	}
	w := d.dirs["corp"]
	lg, ok := d.access.Fulfillers["ldap-group"].(*access.LDAPGroup)
	if !ok {
		t.Fatalf("ldap-group fulfiller %T", d.access.Fulfillers["ldap-group"])
	}
	for what, got := range map[string]any{
		"access ldap-group writer": lg.Writers["corp"],
		"nhi disabler":             d.nhi.svc.Disablers["corp"],
		"nhi owner writer":         d.nhi.svc.OwnerWriters["corp"],
		"review directory":         d.review.Directories["corp"],
	} {
		if g, _ := got.(*ldap.GroupWriter); g != w {
			t.Errorf("%s is %p (%T), want the daemon's one writer %p", what, got, got, w)
		}
	}
	for what, n := range map[string]int{"access": len(lg.Writers), "nhi disablers": len(d.nhi.svc.Disablers), "nhi owner writers": len(d.nhi.svc.OwnerWriters), "review": len(d.review.Directories)} {
		if n != 1 {
			t.Errorf("%s has %d writers, want 1 (readonly has no write credentials)", what, n)
		}
	}
}
