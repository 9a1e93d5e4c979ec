package main

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/auth"
)

// WebConfig is the web UI and its OpenID Connect sign-in. The web UI is
// off while web.oidc.issuer is empty.
//
//	web:
//	  oidc:
//	    issuer: https://login.microsoftonline.com/TENANT/v2.0
//	    clientID: 6f1c...
//	    clientSecretEnv: SYNCD_OIDC_CLIENT_SECRET
//	    redirectURL: https://syncd.example.com/auth/callback
//	    scopes: [profile, email]
//	    linkBy: email            # or employeeNumber
//	    linkClaim: email         # the ID token claim holding it
//	    groupsClaim: groups
//	  # Roles by group name: a group syncd holds (SCIM push, LDAP pull)
//	  # counts while the person is in it now; a group syncd does not hold
//	  # counts when the sign-in's groups claim named it.
//	  roles:
//	    admin: [syncd-admins]
//	    auditor: [compliance]
//	    catalog-owner: [app-owners]
//	  # Roles by job function, while the person holds it.
//	  roleJobFunctions:
//	    auditor: [internal-audit]
//	  session:
//	    idleTimeout: 30m
//	    absoluteTimeout: 12h
//	    insecureCookie: false    # true only for http://127.0.0.1 development
//	    persistentCookie: false  # true: the cookie outlives the browser
type WebConfig struct {
	OIDC             OIDCConfig          `yaml:"oidc"`
	Roles            map[string][]string `yaml:"roles"`
	RoleJobFunctions map[string][]string `yaml:"roleJobFunctions"`
	Session          SessionConfig       `yaml:"session"`
}

// OIDCConfig is the relying party. Exactly one of clientSecretEnv and
// clientSecretFile.
type OIDCConfig struct {
	Issuer           string   `yaml:"issuer"`
	ClientID         string   `yaml:"clientID"`
	ClientSecretEnv  string   `yaml:"clientSecretEnv"`
	ClientSecretFile string   `yaml:"clientSecretFile"`
	RedirectURL      string   `yaml:"redirectURL"`
	Scopes           []string `yaml:"scopes"`
	LinkBy           string   `yaml:"linkBy"`
	LinkClaim        string   `yaml:"linkClaim"`
	GroupsClaim      string   `yaml:"groupsClaim"`

	secret string // resolved by validateWeb
}

// SessionConfig bounds web sessions.
type SessionConfig struct {
	IdleTimeout     Duration `yaml:"idleTimeout"`
	AbsoluteTimeout Duration `yaml:"absoluteTimeout"`
	// InsecureCookie drops the Secure flag (and the __Host- prefix) so a
	// browser keeps the cookie over plain http; allowed only when syncd
	// listens on loopback.
	InsecureCookie bool `yaml:"insecureCookie"`
	// PersistentCookie gives the session cookie a Max-Age, so it survives
	// a browser restart; off by default (the cookie ends with the browser).
	PersistentCookie bool `yaml:"persistentCookie"`
}

// Enabled reports whether the web UI is configured.
func (w WebConfig) Enabled() bool { return w.OIDC.Issuer != "" }

// webDefaults fills what an empty web section means.
func webDefaults() WebConfig {
	return WebConfig{
		OIDC:    OIDCConfig{Scopes: []string{"profile", "email"}, LinkBy: "email", GroupsClaim: "groups"},
		Session: SessionConfig{IdleTimeout: Duration(30 * time.Minute), AbsoluteTimeout: Duration(12 * time.Hour)},
	}
}

// validateWeb checks the web section; nothing is checked while it is off.
func (c *Config) validateWeb(getenv func(string) string) ConfigErrors {
	w := &c.Web
	if !w.Enabled() {
		return nil
	}
	var errs ConfigErrors
	add := func(path, format string, args ...any) {
		errs = append(errs, FieldError{Path: "web." + path, Msg: fmt.Sprintf(format, args...)})
	}
	if u, err := url.Parse(w.OIDC.Issuer); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		add("oidc.issuer", "must be an absolute https URL, got %q", w.OIDC.Issuer)
	} else if u.Scheme == "http" && !loopbackHost(u.Hostname()) {
		add("oidc.issuer", "plain http is allowed only for a loopback issuer, got %q", w.OIDC.Issuer)
	}
	if w.OIDC.ClientID == "" {
		add("oidc.clientID", "missing")
	}
	switch {
	case w.OIDC.ClientSecretEnv != "" && w.OIDC.ClientSecretFile != "":
		add("oidc.clientSecretEnv", "give only one of clientSecretEnv and clientSecretFile")
	case w.OIDC.ClientSecretEnv != "":
		if w.OIDC.secret = getenv(w.OIDC.ClientSecretEnv); w.OIDC.secret == "" {
			add("oidc.clientSecretEnv", "environment variable %s is empty or unset", w.OIDC.ClientSecretEnv)
		}
	case w.OIDC.ClientSecretFile != "":
		b, err := os.ReadFile(w.OIDC.ClientSecretFile)
		if w.OIDC.secret = strings.TrimSpace(string(b)); err != nil || w.OIDC.secret == "" {
			add("oidc.clientSecretFile", "cannot read a secret from %s", w.OIDC.ClientSecretFile)
		}
	case w.OIDC.secret == "":
		add("oidc.clientSecretEnv", "missing (set clientSecretEnv or clientSecretFile)")
	}
	redirect := w.OIDC.RedirectURL
	if redirect == "" {
		redirect = c.listenBaseURL() + "/auth/callback"
		w.OIDC.RedirectURL = redirect
	}
	if u, err := url.Parse(redirect); err != nil || u.Host == "" || u.Path == "" || u.RawQuery != "" {
		add("oidc.redirectURL", "must be an absolute URL with a path, got %q", redirect)
	}
	switch w.OIDC.LinkBy {
	case string(auth.LinkByEmail):
		if w.OIDC.LinkClaim == "" {
			w.OIDC.LinkClaim = "email"
		}
	case string(auth.LinkByEmployeeNumber):
		if w.OIDC.LinkClaim == "" {
			w.OIDC.LinkClaim = "employee_number"
		}
	default:
		add("oidc.linkBy", "must be email or employeeNumber, got %q", w.OIDC.LinkBy)
	}
	var roleNames []string
	for _, r := range auth.Roles {
		roleNames = append(roleNames, string(r))
	}
	for role := range w.Roles {
		if !auth.Role(role).Valid() {
			add("roles."+role, "unknown role (use %s)", strings.Join(roleNames, ", "))
		}
	}
	for role := range w.RoleJobFunctions {
		if !auth.Role(role).Valid() {
			add("roleJobFunctions."+role, "unknown role (use %s)", strings.Join(roleNames, ", "))
		}
	}
	idle, abs := time.Duration(w.Session.IdleTimeout), time.Duration(w.Session.AbsoluteTimeout)
	if idle <= 0 {
		add("session.idleTimeout", "must be positive")
	}
	if abs < idle {
		add("session.absoluteTimeout", "must be at least idleTimeout (%s)", idle)
	}
	if w.Session.InsecureCookie {
		host, _, _ := net.SplitHostPort(c.Server.Listen)
		if !loopbackHost(host) {
			add("session.insecureCookie", "allowed only when server.listen is a loopback address, not %q", c.Server.Listen)
		}
	}
	return errs
}

func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// authConfig maps the section onto package auth's configuration.
func (w WebConfig) authConfig() auth.Config {
	roles, jfRoles := auth.RoleMap{}, auth.RoleMap{}
	for r, groups := range w.Roles {
		roles[auth.Role(r)] = slices.Clone(groups)
	}
	for r, jfs := range w.RoleJobFunctions {
		jfRoles[auth.Role(r)] = slices.Clone(jfs)
	}
	return auth.Config{
		Issuer: w.OIDC.Issuer, ClientID: w.OIDC.ClientID, ClientSecret: w.OIDC.secret,
		RedirectURL: w.OIDC.RedirectURL, Scopes: w.OIDC.Scopes,
		LinkBy: auth.LinkBy(w.OIDC.LinkBy), LinkClaim: w.OIDC.LinkClaim, GroupsClaim: w.OIDC.GroupsClaim,
		RoleGroups: roles, RoleJobFunctions: jfRoles,
		IdleTimeout: time.Duration(w.Session.IdleTimeout), AbsoluteTimeout: time.Duration(w.Session.AbsoluteTimeout),
		CookieSecure: !w.Session.InsecureCookie, PersistentCookie: w.Session.PersistentCookie,
	}
}
