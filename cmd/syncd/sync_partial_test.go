package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/syncd-dev/syncd/internal/ldap/ldaptest"
)

// TestSyncHoldsMassTermination: when a fifth of the directory's people
// vanish, `syncd sync --full` terminates nobody, exits 3 and says why;
// `sync status` shows the run partial; `--confirm-deletions` goes through.
func TestSyncHoldsMassTermination(t *testing.T) {
	srv := ldaptest.Start(t, ldaptest.Options{LDIF: ldaptest.Generate("dc=example,dc=org", ldaptest.Directory{People: 40, Groups: 2})})
	cfg := ldapConfig(t, srv, filepath.Join(t.TempDir(), "syncd.db"), "15m")
	pw := envMap(map[string]string{"TEST_LDAP_PASSWORD": srv.ReaderPassword})
	if code, out, errOut := cli(t, pw, "sync", "--config", cfg, "--source", "corp"); code != exitOK {
		t.Fatalf("first sync: %d %s %s", code, out, errOut)
	}
	var ldif strings.Builder
	for i := 30; i < 38; i++ { // 8 of 40
		ldif.WriteString("dn: " + ldaptest.PersonDN("dc=example,dc=org", i) + "\nchangetype: delete\n\n")
	}
	srv.Modify(t, ldif.String())

	code, out, errOut := cli(t, pw, "sync", "--config", cfg, "--source", "corp", "--full")
	if code != exitPartial || !strings.Contains(out, "corp full partial") || !strings.Contains(out, "terminated 0") ||
		!strings.Contains(errOut, "--confirm-deletions") {
		t.Fatalf("sync over the threshold: %d\nstdout %q\nstderr %q", code, out, errOut)
	}
	_, out, _ = cli(t, pw, "sync", "status", "--config", cfg)
	if !strings.Contains(out, "partial") || !strings.Contains(out, "8 of 40 people were not returned") {
		t.Fatalf("sync status:\n%s", out)
	}
	code, out, errOut = cli(t, pw, "sync", "--config", cfg, "--source", "corp", "--full", "--confirm-deletions")
	if code != exitOK || !strings.Contains(out, "corp full succeeded") || !strings.Contains(out, "terminated 8") {
		t.Fatalf("confirmed sync: %d\nstdout %q\nstderr %q", code, out, errOut)
	}
}
