package main

import (
	"log/slog"
	"strings"
	"testing"
)

func TestAccessConfigErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"scim app without options", "access:\n  scimApps:\n    - {}\n",
			[]string{"access.scimApps[0].name: missing", "access.scimApps[0].baseURL: missing",
				"access.scimApps[0].token: missing (set tokenEnv or tokenFile)"}},
		{"scim app bad values", "access:\n  scimApps:\n    - {name: wiki, baseURL: ftp://x, tokenEnv: UNSET_TOKEN, maxRetries: -1}\n    - {name: wiki, baseURL: https://x/scim/v2, tokenEnv: A, tokenFile: /b}\n",
			[]string{`access.scimApps[0].baseURL: must be an absolute http(s) URL, got "ftp://x"`, "access.scimApps[0].maxRetries: must not be negative",
				"access.scimApps[0].token: environment variable UNSET_TOKEN (from tokenEnv) is empty or unset",
				"access.scimApps[1].name: duplicate of access.scimApps[0]", "access.scimApps[1].token: give only one of tokenEnv and tokenFile"}},
		{"unknown option", "access:\n  scimApps:\n    - {name: wiki, token: hunter2}\n",
			[]string{"access.scimApps[0].token: unknown option"}},
		{"credential key unset", "access:\n  credentialKeyEnv: UNSET_KEY\n",
			[]string{"access.credentialKey: environment variable UNSET_KEY (from credentialKeyEnv) is empty or unset"}},
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

func TestAccessConfigBuildsSCIMApps(t *testing.T) {
	yaml := "access:\n  scimApps:\n    - {name: wiki, baseURL: https://wiki.example.org/scim/v2, tokenEnv: WIKI_TOKEN}\n"
	cfg, err := parseConfig([]byte(yaml), func(k string) string {
		if k == "WIKI_TOKEN" {
			return "t0ken"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Access.SCIMApps[0].token; got != "t0ken" {
		t.Fatalf("token %q", got)
	}
	f := cfg.Access.scimFulfiller(slog.New(slog.DiscardHandler))
	if _, ok := f.Apps["wiki"]; !ok || len(f.Apps) != 1 {
		t.Fatalf("apps %v", f.Apps)
	}
}

func TestAccessConfigCredentialKey(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "KEY" {
				return v
			}
			return ""
		}
	}
	yaml := []byte("access:\n  credentialKeyEnv: KEY\n")
	if _, err := parseConfig(yaml, env("c2hvcnQ=")); err == nil || !strings.Contains(err.Error(), "access.credentialKey: the key is 5 bytes, want 32") {
		t.Fatalf("short key: %v", err)
	}
	if _, err := parseConfig(yaml, env("not base64!")); err == nil || !strings.Contains(err.Error(), "access.credentialKey: illegal base64") {
		t.Fatalf("bad base64: %v", err)
	}
	cfg, err := parseConfig(yaml, env("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="))
	if err != nil {
		t.Fatal(err)
	}
	c, err := cfg.Access.credentialCipher()
	if err != nil || c == nil {
		t.Fatalf("cipher: %v %v", c, err)
	}
	none, _ := parseConfig(nil, noEnv)
	if c, err := none.Access.credentialCipher(); c != nil || err != nil {
		t.Fatalf("no key configured: %v %v", c, err)
	}
}
