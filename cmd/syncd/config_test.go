package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func noEnv(string) string { return "" }

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // each must appear in the error text
	}{
		{"malformed yaml", "server: [unclosed", []string{"not valid YAML"}},
		{"unknown top-level key", "serverx: {}\n", []string{"serverx: unknown option (line 1)"}},
		{"unknown nested key with case hint", "server:\n  baseUrl: http://x\n", []string{`server.baseUrl: unknown option (did you mean "baseURL"?) (line 2)`}},
		{"wrong type int", "storage:\n  maxOpenConns: many\n", []string{`storage.maxOpenConns: expected an integer, got "many"`}},
		{"wrong type bool", "storage:\n  autoMigrate: yes please\n", []string{"storage.autoMigrate: expected true or false"}},
		{"bad duration", "server:\n  shutdownTimeout: 30\n", []string{"server.shutdownTimeout: not a duration"}},
		{"list where mapping", "sources: {name: x}\n", []string{"sources: expected a list"}},
		{"every shape problem at once", "serverx: 1\nlog:\n  colour: red\nstorage:\n  maxIdleConns: x\n", []string{"serverx: unknown option", "log.colour: unknown option", "storage.maxIdleConns: expected an integer"}},
		{"bad driver", "storage:\n  driver: mysql\n", []string{`storage.driver: must be sqlite or postgres, got "mysql"`}},
		{"bad listen", "server:\n  listen: nope\n", []string{`server.listen: not a host:port address`}},
		{"bad base url", "server:\n  baseURL: /relative\n", []string{"server.baseURL: must be an absolute http(s) URL"}},
		{"bad log level", "log:\n  level: loud\n", []string{"log.level: must be one of"}},
		{"two dsns", "storage:\n  dsn: a.db\n  dsnEnv: X\n", []string{"storage.dsn: give only one of dsn, dsnEnv and dsnFile"}},
		{"dsnEnv unset", "storage:\n  dsn: ''\n  dsnEnv: SYNCD_TEST_NOPE\n", []string{"SYNCD_TEST_NOPE (from dsnEnv) is empty or unset"}},
		{"missing source name and dup", "sources:\n  - role: hr\n    type: scim-push\n  - name: a\n    role: idp\n    type: scim-push\n  - name: a\n    role: idp\n    type: scim-push\n", []string{"sources[0].name: missing", `sources[2].name: duplicate source name "a" (also sources[1])`}},
		{"bad role and type", "sources:\n  - name: a\n    role: boss\n    type: ftp\n", []string{"sources[0].role: must be one of", "sources[0].type: must be one of"}},
		{"bad match key", "identity:\n  matchKeys: [phone, email, email]\n", []string{`identity.matchKeys[0]: unknown match key "phone"`, "identity.matchKeys[2]: duplicate of identity.matchKeys[1]"}},
		{"bad precedence entry", "identity:\n  precedence:\n    title: [hr, payroll]\n", []string{`identity.precedence.title[1]: "payroll" is neither a role`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseConfig([]byte(tc.yaml), noEnv)
			if err == nil {
				t.Fatalf("no error for:\n%s", tc.yaml)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

func TestParseConfigEnvOverrides(t *testing.T) {
	cfg, err := parseConfig([]byte("storage:\n  driver: sqlite\n  dsn: file.db\nserver:\n  listen: 127.0.0.1:1\n"), envMap(map[string]string{
		"SYNCD_STORAGE_DRIVER":         "postgres",
		"SYNCD_STORAGE_DSN":            "postgres://u@h/db",
		"SYNCD_SERVER_LISTEN":          "0.0.0.0:9090",
		"SYNCD_SERVER_BASEURL":         "https://syncd.example.com",
		"SYNCD_STORAGE_AUTOMIGRATE":    "true",
		"SYNCD_SERVER_SHUTDOWNTIMEOUT": "5s",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Storage.Driver != "postgres" || cfg.Storage.resolved != "postgres://u@h/db" || cfg.Server.Listen != "0.0.0.0:9090" ||
		cfg.Server.BaseURL != "https://syncd.example.com" || !cfg.Storage.AutoMigrate || time.Duration(cfg.Server.ShutdownTimeout) != 5*time.Second {
		t.Fatalf("overrides not applied: %+v", cfg)
	}

	_, err = parseConfig(nil, envMap(map[string]string{"SYNCD_STORAGE_MAXOPENCONNS": "lots"}))
	if err == nil || !strings.Contains(err.Error(), `SYNCD_STORAGE_MAXOPENCONNS: expected an integer, got "lots"`) {
		t.Fatalf("bad env value not reported: %v", err)
	}
}

func TestParseConfigDSNSources(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "dsn")
	if err := os.WriteFile(file, []byte("postgres://from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, yaml string
		env        map[string]string
		want       string
	}{
		{"dsn", "storage: {dsn: a.db}", nil, "a.db"},
		{"dsnEnv", "storage: {dsn: '', dsnEnv: PGDSN}", map[string]string{"PGDSN": "postgres://from-env"}, "postgres://from-env"},
		{"dsnFile", "storage: {dsn: '', dsnFile: " + file + "}", nil, "postgres://from-file"},
		{"env override beats dsnEnv", "storage: {dsn: '', dsnEnv: PGDSN}", map[string]string{"PGDSN": "x", "SYNCD_STORAGE_DSN": "postgres://override"}, "postgres://override"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := parseConfig([]byte(tc.yaml), envMap(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Storage.resolved != tc.want {
				t.Fatalf("dsn = %q, want %q", cfg.Storage.resolved, tc.want)
			}
		})
	}
}

func TestShippedConfigsValidate(t *testing.T) {
	for _, f := range []string{"../../configs/syncd.example.yaml", "../../configs/demo.yaml"} {
		t.Run(filepath.Base(f), func(t *testing.T) {
			// The example's pulled sources and the catalog's webhook item
			// read their secrets from these.
			secrets := envMap(map[string]string{"SYNCD_LDAP_PASSWORD": "x", "SYNCD_LDAP_WRITE_PASSWORD": "x", "SYNCD_AD_PASSWORD": "x", "SYNCD_HR_TOKEN": "x", "SYNCD_WIKI_WEBHOOK_SECRET": "x"})
			if _, err := loadConfig(f, secrets); err != nil {
				t.Fatalf("%s:\n%v", f, err)
			}
		})
	}
}

func TestEmptyConfigGetsDefaults(t *testing.T) {
	cfg, err := parseConfig([]byte(""), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Storage.Driver != "sqlite" || cfg.Server.Listen != "127.0.0.1:8080" || cfg.listenBaseURL() != "http://127.0.0.1:8080" {
		t.Fatalf("defaults: %+v", cfg)
	}
}

func TestParseConfigJobFunctionRules(t *testing.T) {
	yml := `identity:
  jobFunctions:
    - rule: ok
      jobFunction: a
      when: 'person.department == "Finance"'
    - rule: broken
      jobFunction: b
      when: 'person.department ==='
    - rule: ok
      jobFunction: c
      when: 'person.title'
`
	_, err := parseConfig([]byte(yml), noEnv)
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range []string{
		`identity.jobFunctions[1].when: rule "broken": compile:`,
		`identity.jobFunctions[2].rule: rule "ok": name used by an earlier rule`,
		`identity.jobFunctions[2].when: rule "ok": condition returns`,
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q\ndoes not contain %q", err, w)
		}
	}
}
