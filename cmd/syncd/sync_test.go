package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/ldap/ldaptest"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
)

// ldapConfig writes a configuration with one LDAP source against srv.
func ldapConfig(t *testing.T, srv *ldaptest.Server, dbPath, interval string) string {
	t.Helper()
	body := fmt.Sprintf(`storage:
  driver: sqlite
  dsn: %q
  autoMigrate: true
server:
  listen: 127.0.0.1:0
log:
  level: warn
sources:
  - name: corp
    role: directory
    type: ldap
    interval: %s
    fullInterval: 24h
    ldap:
      url: %s
      bindDN: %s
      bindPasswordEnv: TEST_LDAP_PASSWORD
      preset: openldap
      pageSize: 50
      people: {baseDN: "ou=people,%s"}
      groups: {baseDN: "ou=groups,%s"}
      serviceAccounts: {baseDN: "ou=services,%s"}
`, dbPath, interval, srv.URL, srv.ReaderDN, srv.Suffix, srv.Suffix, srv.Suffix)
	path := filepath.Join(t.TempDir(), "syncd.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSyncCommand(t *testing.T) {
	srv := ldaptest.Start(t, ldaptest.Options{LDIF: ldaptest.Generate("dc=example,dc=org", ldaptest.Directory{People: 120, Groups: 2, ServiceAccounts: 3})})
	cfg := ldapConfig(t, srv, filepath.Join(t.TempDir(), "syncd.db"), "15m")
	pw := envMap(map[string]string{"TEST_LDAP_PASSWORD": srv.ReaderPassword})

	code, out, errOut := cli(t, pw, "sync", "--config", cfg, "--source", "corp")
	if code != exitOK || !strings.Contains(out, "corp full succeeded") || !strings.Contains(out, "read 120, created 120") {
		t.Fatalf("first sync: %d\nstdout %q\nstderr %q", code, out, errOut)
	}
	// Not a terminal: the run's summary line, then the orphan rules'
	// (evaluated after every sync, as serve does).
	if strings.Count(out, "\n") != 2 || !regexp.MustCompile(`\nNHI orphan rules: [1-9]\d* open findings`).MatchString(out) {
		t.Errorf("want a summary line and the orphan evaluation, got %q", out)
	}
	code, out, _ = cli(t, pw, "sync", "--config", cfg, "--source", "corp")
	if code != exitOK || !strings.Contains(out, "corp incremental succeeded") || !strings.Contains(out, "created 0, updated 0") {
		t.Fatalf("second sync: %d %q", code, out)
	}
	code, out, _ = cli(t, pw, "sync", "status", "--config", cfg)
	if code != exitOK || strings.Count(out, "corp") != 2 || !strings.Contains(out, "incremental") {
		t.Fatalf("sync status: %d\n%s", code, out)
	}
	// sync evaluated the orphan rules, so sync status totals the open
	// findings without a separate nhi evaluate.
	_, out, _ = cli(t, pw, "sync", "status", "--config", cfg)
	if !regexp.MustCompile(`open NHI orphan findings: [1-9]\d* \(no-owner [1-9]`).MatchString(out) {
		t.Fatalf("sync status lacks the NHI totals:\n%s", out)
	}

	bad := envMap(map[string]string{"TEST_LDAP_PASSWORD": "wrong"})
	code, out, errOut = cli(t, bad, "sync", "--config", cfg, "--source", "corp")
	if code != exitFailure || !strings.Contains(errOut, "authentication failed") || !strings.Contains(out, "failed") {
		t.Fatalf("sync with a wrong password: %d\nstdout %q\nstderr %q", code, out, errOut)
	}
	code, _, errOut = cli(t, pw, "sync", "--config", cfg, "--source", "nope")
	if code != exitUsage || !strings.Contains(errOut, `no source named "nope"`) {
		t.Fatalf("unknown source: %d %q", code, errOut)
	}
	code, _, errOut = cli(t, pw, "sync", "--config", cfg, "--source", "corp", "--confirm-deletions")
	if code != exitUsage || !strings.Contains(errOut, "needs --full") {
		t.Fatalf("--confirm-deletions without --full: %d %q", code, errOut)
	}
	code, _, errOut = cli(t, pw, "sync", "--config", cfg)
	if code != exitUsage || !strings.Contains(errOut, "--source is required") {
		t.Fatalf("no source: %d %q", code, errOut)
	}
}

// TestServeSchedulesPulls runs serve with an LDAP source on a short
// interval and waits for the scheduled runs to be recorded.
func TestServeSchedulesPulls(t *testing.T) {
	srv := ldaptest.Start(t, ldaptest.Options{LDIF: ldaptest.Generate("dc=example,dc=org", ldaptest.Directory{People: 30})})
	db := filepath.Join(t.TempDir(), "syncd.db")
	cfg := ldapConfig(t, srv, db, "100ms")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan int, 1)
	var errb bytes.Buffer
	go func() {
		done <- run(ctx, env{stdout: &bytes.Buffer{}, stderr: &errb, getenv: envMap(map[string]string{"TEST_LDAP_PASSWORD": srv.ReaderPassword})}, []string{"serve", "--config", cfg})
	}()

	var st *gormstore.Store
	deadline := time.Now().Add(20 * time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatalf("no two successful scheduled runs within 20s; serve stderr:\n%s", errb.String())
		}
		time.Sleep(100 * time.Millisecond)
		if st == nil {
			var err error
			if st, err = gormstore.Open(t.Context(), gormstore.Options{Driver: "sqlite", DSN: db}); err != nil {
				st = nil
				continue
			}
			defer st.Close()
		}
		runs, err := st.ListSyncRuns(t.Context(), "corp", 10)
		if err != nil {
			continue
		}
		ok := 0
		for _, r := range runs {
			if r.Status == store.RunSucceeded {
				ok++
			}
		}
		if ok >= 2 {
			if runs[len(runs)-1].Mode != "full" || runs[len(runs)-1].Counts.Created != 30 {
				t.Errorf("first scheduled run: %+v", runs[len(runs)-1])
			}
			break
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("serve exited %d:\n%s", code, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestSourceConfigErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"ldap without options", "sources:\n  - name: corp\n    role: directory\n    type: ldap\n",
			[]string{"sources[0].interval: missing", "sources[0].ldap.url: missing", "sources[0].ldap.bindDN: missing",
				"sources[0].ldap.people.baseDN: missing", "sources[0].ldap.bindPassword: missing (set bindPasswordEnv or bindPasswordFile)"}},
		{"ldap bad values", "sources:\n  - name: corp\n    role: directory\n    type: ldap\n    interval: 1m\n    ldap:\n      url: http://x\n      bindDN: cn=a\n      bindPasswordEnv: UNSET_PW\n      preset: novell\n      people: {baseDN: dc=x}\n      attributes: {shoeSize: x}\n      serviceAccounts: {namePatterns: ['[']}\n",
			[]string{"sources[0].ldap.url: must start with ldap:// or ldaps://", `sources[0].ldap.preset: unknown preset "novell"`,
				"sources[0].ldap.attributes.shoeSize: unknown attribute", "sources[0].ldap.serviceAccounts.namePatterns[0]: bad pattern",
				"sources[0].ldap.bindPassword: environment variable UNSET_PW (from bindPasswordEnv) is empty or unset"}},
		{"ldap write credentials", "sources:\n  - name: corp\n    role: directory\n    type: ldap\n    ldap:\n      bindDN: cn=reader\n      write: {bindDN: CN=Reader, bindPasswordEnv: UNSET_PW}\n  - name: ad\n    role: directory\n    type: ldap\n    ldap:\n      write: {}\n",
			[]string{"sources[0].ldap.write.bindDN: must not be the read-only pull account",
				"sources[0].ldap.write.bindPassword: environment variable UNSET_PW (from bindPasswordEnv) is empty or unset",
				"sources[1].ldap.write.bindDN: missing", "sources[1].ldap.write.bindPassword: missing (set bindPasswordEnv or bindPasswordFile)"}},
		{"unknown ldap option", "sources:\n  - name: corp\n    role: directory\n    type: ldap\n    ldap:\n      bindPassword: hunter2\n",
			[]string{"sources[0].ldap.bindPassword: unknown option"}},
		{"scim bad url", "sources:\n  - name: hr\n    role: hr\n    type: scim\n    interval: 1h\n    scim:\n      url: ftp://x\n      tokenEnv: A\n      tokenFile: /b\n",
			[]string{"sources[0].scim.url: must be an absolute http(s) URL", "sources[0].scim.token: give only one of tokenEnv and tokenFile"}},
		{"pull options on a push source", "sources:\n  - name: okta\n    role: idp\n    type: scim-push\n    interval: 1m\n",
			[]string{"sources[0]: pull options (interval, ldap, scim) only apply to type ldap or scim"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseConfig([]byte(tc.yaml), noEnv)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%s\ndoes not contain %q", err, w)
				}
			}
		})
	}
}
