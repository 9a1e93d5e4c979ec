package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/strictyaml"
)

// secretsConfig names a secret in every section that has one.
const secretsConfig = `storage: {driver: postgres, dsn: '', dsnEnv: T_DSN}
catalog: {files: [catalog.yaml]}
security: {webhookAllowList: ['https://hooks.example.com/']}
web:
  oidc: {issuer: https://idp.example.com, clientID: syncd, clientSecretEnv: T_OIDC}
sources:
  - name: corp
    role: directory
    type: ldap
    interval: 15m
    ldap:
      url: ldap://127.0.0.1:1
      bindDN: cn=reader
      bindPasswordEnv: T_LDAP
      people: {baseDN: "ou=people"}
      write: {bindDN: cn=writer, bindPasswordEnv: T_LDAP_WRITE}
  - name: hr
    role: hr
    type: scim
    interval: 15m
    scim: {url: https://hr.example.com/scim/v2, tokenEnv: T_HR}
access:
  credentialKeyEnv: T_KEY
  scimApps:
    - {name: wiki, baseURL: https://wiki.example.com/scim/v2, tokenEnv: T_WIKI}
metrics: {tokenEnv: T_METRICS}
notify:
  email:
    smtp: {addr: 'smtp.example.com:587', from: 'syncd <s@example.com>', username: syncd, passwordEnv: T_SMTP}
  chat: {urlEnv: T_CHAT}
`

const secretsCatalog = `items:
  - {id: hook, name: Hook, kind: group, owner: o@x, risk: low, maxDuration: 30d, fulfillment: {type: webhook, params: {url: 'https://hooks.example.com/x', secretEnv: T_HOOK}}}
`

// decodeSecretsConfig decodes secretsConfig as loadConfig does, without
// resolving anything.
func decodeSecretsConfig(t *testing.T, dir string) Config {
	t.Helper()
	cfg := defaultConfig()
	cfg.Catalog.dir = dir
	if err := strictyaml.Decode([]byte(secretsConfig), &cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestValidateChangesNothing: validating resolves every secret to check
// it, but into a copy: the configuration is the same after validating,
// and validating twice gives the same answer, with every secret set and
// with every one missing.
func TestValidateChangesNothing(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "catalog.yaml"), []byte(secretsCatalog), 0o600); err != nil {
		t.Fatal(err)
	}
	all := envMap(map[string]string{
		"T_DSN": "postgres://u@h/db", "T_OIDC": "oidc-secret", "T_LDAP": "read-pw", "T_LDAP_WRITE": "write-pw",
		"T_HR": "hr-token", "T_KEY": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "T_WIKI": "wiki-token",
		"T_METRICS": "metrics-token", "T_SMTP": "smtp-pw", "T_CHAT": "https://chat.example.com/hook", "T_HOOK": "hook-secret",
	})
	for _, tc := range []struct {
		name   string
		getenv func(string) string
		errs   int
	}{{"every secret set", all, 0}, {"every secret missing", noEnv, 11}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, want := decodeSecretsConfig(t, dir), decodeSecretsConfig(t, dir)
			first := cfg.validate(tc.getenv)
			if !reflect.DeepEqual(cfg, want) {
				t.Fatalf("validate changed the configuration:\n got %+v\nwant %+v", cfg, want)
			}
			second := cfg.validate(tc.getenv)
			if !reflect.DeepEqual(first, second) {
				t.Fatalf("validating twice: %v, then %v", first, second)
			}
			if len(first) != tc.errs {
				t.Fatalf("%d problems, want %d:\n%v", len(first), tc.errs, first)
			}
			// Resolving (what loading does) keeps the secrets.
			if errs := cfg.resolve(tc.getenv); len(errs) != tc.errs {
				t.Fatalf("resolve: %v", errs)
			}
			if tc.errs == 0 && (cfg.Web.OIDC.secret != "oidc-secret" || cfg.Sources[0].LDAP.Write.password != "write-pw" || cfg.Access.SCIMApps[0].token != "wiki-token") {
				t.Fatalf("resolve did not keep the secrets: %+v", cfg)
			}
		})
	}
}

// TestWebhookSecretEnvResolvedAtLoad: a webhook item's secretEnv is
// checked when the configuration is loaded (a missing variable is a
// config error naming the item and field, among all the others), and its
// value is resolved once: changing the environment afterwards changes
// nothing.
func TestWebhookSecretEnvResolvedAtLoad(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "catalog.yaml"), []byte(secretsCatalog), 0o600); err != nil {
		t.Fatal(err)
	}
	raw := "storage: {driver: sqlite, dsn: x.db}\ncatalog: {files: [catalog.yaml]}\nsecurity: {webhookAllowList: ['https://hooks.example.com/']}\nlog: {level: loud}\n"
	_, err := parseConfigIn([]byte(raw), dir, noEnv)
	if err == nil {
		t.Fatal("no error with T_HOOK unset")
	}
	for _, want := range []string{`catalog: item "hook": fulfillment.params.secretEnv: environment variable T_HOOK is empty or unset`, "log.level: must be one of"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q\ndoes not contain %q", err, want)
		}
	}

	raw = strings.Replace(raw, "loud", "warn", 1)
	t.Setenv("T_HOOK", "from-the-process-later")
	cfg, err := parseConfigIn([]byte(raw), dir, envMap(map[string]string{"T_HOOK": "hook-secret"}))
	if err != nil {
		t.Fatal(err)
	}
	var it catalog.Item
	it.Fulfillment.Type, it.Fulfillment.Params = "webhook", map[string]string{"secretEnv": "T_HOOK"}
	if got := string(cfg.Access.webhookSecret(it)); got != "hook-secret" {
		t.Fatalf("webhook secret %q, want the one resolved at load", got)
	}
}
