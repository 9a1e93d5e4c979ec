package main

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestWebConfigValidation(t *testing.T) {
	base := "web:\n  oidc:\n    issuer: https://idp.example.com\n    clientID: syncd\n    clientSecretEnv: OIDC_SECRET\n"
	env := envMap(map[string]string{"OIDC_SECRET": "s3cret"})
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"http issuer off loopback", "web:\n  oidc:\n    issuer: http://idp.example.com\n    clientID: x\n    clientSecretEnv: OIDC_SECRET\n", []string{"web.oidc.issuer: plain http is allowed only for a loopback issuer"}},
		{"no client", "web:\n  oidc:\n    issuer: https://idp.example.com\n", []string{"web.oidc.clientID: missing", "web.oidc.clientSecretEnv: missing"}},
		{"secret env unset", "web:\n  oidc:\n    issuer: https://idp.example.com\n    clientID: x\n    clientSecretEnv: NOPE\n", []string{"environment variable NOPE is empty or unset"}},
		{"two secrets", base + "    clientSecretFile: /x\n", []string{"give only one of clientSecretEnv and clientSecretFile"}},
		{"bad link", base + "    linkBy: phone\n", []string{`web.oidc.linkBy: must be email or employeeNumber, got "phone"`}},
		{"unknown role", base + "  roles:\n    superuser: [g]\n", []string{"web.roles.superuser: unknown role (use admin, auditor, catalog-owner)"}},
		{"timeouts", base + "  session:\n    idleTimeout: 2h\n    absoluteTimeout: 1h\n", []string{"web.session.absoluteTimeout: must be at least idleTimeout (2h0m0s)"}},
		{"insecure cookie off loopback", "server:\n  listen: 0.0.0.0:8080\n" + base + "  session:\n    insecureCookie: true\n", []string{"web.session.insecureCookie: allowed only when server.listen is a loopback address"}},
		{"unknown option", base + "    clientSecret: inline\n", []string{`web.oidc.clientSecret: unknown option`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseConfig([]byte(tc.yaml), env)
			var ce ConfigErrors
			if !errors.As(err, &ce) {
				t.Fatalf("want ConfigErrors, got %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestWebConfigDefaultsAndMapping(t *testing.T) {
	// Off without an issuer: nothing else is required.
	cfg, err := parseConfig([]byte("log:\n  level: warn\n"), noEnv)
	if err != nil || cfg.Web.Enabled() {
		t.Fatalf("empty web section: %v enabled=%v", err, cfg.Web.Enabled())
	}
	y := "server:\n  listen: 127.0.0.1:9000\nweb:\n  oidc:\n    issuer: https://idp.example.com\n    clientID: syncd\n    clientSecretEnv: OIDC_SECRET\n    linkBy: employeeNumber\n  roles:\n    admin: [ops]\n"
	cfg, err = parseConfig([]byte(y), envMap(map[string]string{"OIDC_SECRET": "s3cret", "SYNCD_WEB_OIDC_CLIENTID": "from-env"}))
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Web.authConfig()
	if a.ClientID != "from-env" || a.ClientSecret != "s3cret" || a.RedirectURL != "http://127.0.0.1:9000/auth/callback" ||
		a.LinkClaim != "employee_number" || a.GroupsClaim != "groups" || !a.CookieSecure ||
		a.IdleTimeout != 30*time.Minute || a.AbsoluteTimeout != 12*time.Hour || len(a.RoleGroups["admin"]) != 1 {
		t.Fatalf("auth config %+v", a)
	}
	if err := a.Validate(); err != nil {
		t.Fatalf("mapped config invalid: %v", err)
	}
}
