package ldap_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/syncd-dev/syncd/internal/ldap"
	"github.com/syncd-dev/syncd/internal/ldap/ldaptest"
	"github.com/syncd-dev/syncd/internal/pull"
	"github.com/syncd-dev/syncd/internal/source"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestMisconfiguredSourceFailsWithItsClass checks that a wrong password, a
// wrong base DN, a TLS failure and an unreachable server are told apart,
// and that each failed run is recorded with its error.
func TestMisconfiguredSourceFailsWithItsClass(t *testing.T) {
	srv := ldaptest.Start(t, ldaptest.Options{TLS: true, LDIF: ldaptest.Generate(suffix, ldaptest.Directory{People: 3})})
	st := gormtest.SQLite(t)
	runner := &pull.Runner{Store: st, Identity: newIdentity(t, st), Holder: "test"}

	cases := []struct {
		name   string
		mutate func(c *ldap.Config)
		want   error
		msg    string
	}{
		{"wrong password", func(c *ldap.Config) { c.BindPassword = "nope" }, source.ErrAuth, "Invalid Credentials"},
		{"wrong base DN", func(c *ldap.Config) { c.People.BaseDN = "ou=nowhere," + suffix }, source.ErrNoSuchBase, "ou=nowhere"},
		{"untrusted certificate", func(c *ldap.Config) { c.URL = srv.LDAPSURL }, source.ErrTLS, "certificate"},
		{"StartTLS untrusted", func(c *ldap.Config) { c.StartTLS = true }, source.ErrTLS, "StartTLS"},
		{"unreachable", func(c *ldap.Config) { c.URL = "ldap://127.0.0.1:1" }, source.ErrUnreachable, "connect"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := sourceConfig(srv)
			cfg.Groups, cfg.ServiceAccounts = nil, nil
			tc.mutate(&cfg)
			src, err := ldap.New(cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			run, err := runner.Run(t.Context(), src, pull.Options{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want class %v", err, tc.want)
			}
			for _, other := range []error{source.ErrAuth, source.ErrNoSuchBase, source.ErrTLS, source.ErrUnreachable} {
				if other != tc.want && errors.Is(err, other) {
					t.Errorf("error %v is also %v", err, other)
				}
			}
			if run.Status != store.RunFailed || !strings.Contains(run.Error, tc.msg) {
				t.Errorf("run recorded as %s with error %q, want failed mentioning %q", run.Status, run.Error, tc.msg)
			}
		})
	}

	for _, tc := range []struct {
		name   string
		mutate func(c *ldap.Config)
	}{
		{"ldaps with the CA", func(c *ldap.Config) { c.URL, c.CAFile = srv.LDAPSURL, srv.CAFile }},
		{"StartTLS with the CA", func(c *ldap.Config) { c.StartTLS, c.CAFile = true, srv.CAFile }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := sourceConfig(srv)
			cfg.Name = "tls-" + strings.ReplaceAll(tc.name, " ", "-")
			cfg.Groups, cfg.ServiceAccounts = nil, nil
			tc.mutate(&cfg)
			src, err := ldap.New(cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			run, err := runner.Run(t.Context(), src, pull.Options{})
			if err != nil || run.Counts.Read != 3 {
				t.Fatalf("run over TLS: %v, counts %+v", err, run.Counts)
			}
		})
	}
}
