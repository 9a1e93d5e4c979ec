package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/ldap"
	"github.com/syncd-dev/syncd/internal/scim/scimclient"
)

// LDAPSourceConfig is an LDAP or Active Directory source. The bind
// password comes from bindPasswordEnv or bindPasswordFile, never the file
// itself.
//
//	ldap:
//	  url: ldaps://ldap.example.org:636   # or ldap://...:389 with startTLS: true
//	  caFile: /etc/syncd/ldap-ca.pem
//	  bindDN: cn=syncd,ou=services,dc=example,dc=org
//	  bindPasswordEnv: SYNCD_LDAP_PASSWORD
//	  preset: openldap                     # or activedirectory
//	  pageSize: 500
//	  people: {baseDN: "ou=people,dc=example,dc=org"}
//	  groups: {baseDN: "ou=groups,dc=example,dc=org"}
//	  serviceAccounts: {baseDN: "ou=services,dc=example,dc=org", ownerAttribute: manager}
//	  attributes: {costCenter: businessCategory}
type LDAPSourceConfig struct {
	URL                string            `yaml:"url"`
	StartTLS           bool              `yaml:"startTLS"`
	CAFile             string            `yaml:"caFile"`
	InsecureSkipVerify bool              `yaml:"insecureSkipVerify"`
	BindDN             string            `yaml:"bindDN"`
	BindPasswordEnv    string            `yaml:"bindPasswordEnv"`
	BindPasswordFile   string            `yaml:"bindPasswordFile"`
	DialTimeout        Duration          `yaml:"dialTimeout"`
	Timeout            Duration          `yaml:"timeout"`
	PageSize           int               `yaml:"pageSize"`
	Parallel           int               `yaml:"parallel"`
	Preset             string            `yaml:"preset"`
	People             LDAPSearchConfig  `yaml:"people"`
	Groups             LDAPSearchConfig  `yaml:"groups"`
	ServiceAccounts    LDAPServiceConfig `yaml:"serviceAccounts"`
	Attributes         map[string]string `yaml:"attributes"`
	MaxValueLength     int               `yaml:"maxValueLength"`
	// Write enables ldap-group fulfillment against this directory.
	Write *LDAPWriteConfig `yaml:"write"`

	password string // resolved by validateSources
}

// LDAPWriteConfig is the separate account ldap-group fulfillment binds as
// to change group membership; the pull account stays read-only. URL, TLS
// options and timeouts are the source's.
//
//	write:
//	  bindDN: cn=syncd-writer,ou=services,dc=example,dc=org
//	  bindPasswordFile: /run/secrets/ldap-write-password
//	  emptyGroupMember: ""   # member left in a groupOfNames emptied by a revocation
type LDAPWriteConfig struct {
	BindDN           string `yaml:"bindDN"`
	BindPasswordEnv  string `yaml:"bindPasswordEnv"`
	BindPasswordFile string `yaml:"bindPasswordFile"`
	EmptyGroupMember string `yaml:"emptyGroupMember"`

	password string // resolved by validateSources
}

// LDAPSearchConfig is a base DN and an optional filter.
type LDAPSearchConfig struct {
	BaseDN string `yaml:"baseDN"`
	Filter string `yaml:"filter"`
}

// LDAPServiceConfig identifies service accounts; unset (no baseDN,
// filter or namePatterns) means the source has none.
type LDAPServiceConfig struct {
	BaseDN       string   `yaml:"baseDN"`
	Filter       string   `yaml:"filter"`
	NamePatterns []string `yaml:"namePatterns"`
	// Combine is and | or: how baseDN and namePatterns combine when both
	// are given (see ldap.ServiceAccounts).
	Combine        string `yaml:"combine"`
	OwnerAttribute string `yaml:"ownerAttribute"`
}

// SCIMPullConfig is an upstream SCIM 2.0 service (an HR system) syncd
// pulls from as a client. The bearer token comes from tokenEnv or
// tokenFile.
//
//	scim:
//	  url: https://hr.example.org/scim/v2
//	  tokenEnv: SYNCD_HR_TOKEN
//	  pageSize: 100
//	  groups: true
type SCIMPullConfig struct {
	URL        string   `yaml:"url"`
	TokenEnv   string   `yaml:"tokenEnv"`
	TokenFile  string   `yaml:"tokenFile"`
	PageSize   int      `yaml:"pageSize"`
	Timeout    Duration `yaml:"timeout"`
	Groups     bool     `yaml:"groups"`
	MaxRetries int      `yaml:"maxRetries"`

	token string // resolved by validateSources
}

// pulled reports whether s is a source syncd pulls (rather than one that
// pushes to it).
func (s SourceConfig) pulled() bool { return s.Type == "ldap" || s.Type == "scim" }

// validateSources checks the pull options of every source; problems are
// named by path (sources[1].ldap.url: missing).
func (c *Config) validateSources(getenv func(string) string) ConfigErrors {
	var errs ConfigErrors
	for i := range c.Sources {
		s := &c.Sources[i]
		p := fmt.Sprintf("sources[%d]", i)
		add := func(path, format string, args ...any) {
			errs = append(errs, FieldError{Path: p + path, Msg: fmt.Sprintf(format, args...)})
		}
		if !s.pulled() {
			if s.LDAP.URL != "" || s.LDAP.Write != nil || s.SCIM.URL != "" || s.Interval != 0 {
				add("", "pull options (interval, ldap, scim) only apply to type ldap or scim")
			}
			continue
		}
		if s.Interval <= 0 {
			add(".interval", "missing (how often to pull, e.g. 15m)")
		}
		if s.FullInterval < 0 {
			add(".fullInterval", "must not be negative")
		}
		if s.MaxDeletionShare < 0 || s.MaxDeletionShare > 1 {
			add(".maxDeletionShare", "must be between 0 and 1 (0.1 is a tenth of the source's people)")
		}
		switch s.Type {
		case "ldap":
			if s.SCIM.URL != "" {
				add(".scim", "only for type scim")
			}
			for _, fe := range s.ldapConfig().Validate() {
				add(".ldap."+fe.Field, "%s", fe.Msg)
			}
			pw, err := secret(getenv, s.LDAP.BindPasswordEnv, s.LDAP.BindPasswordFile, "bindPasswordEnv", "bindPasswordFile")
			if err != nil {
				add(".ldap.bindPassword", "%v", err)
			}
			s.LDAP.password = pw
			if w := s.LDAP.Write; w != nil {
				switch {
				case w.BindDN == "":
					add(".ldap.write.bindDN", "missing")
				case strings.EqualFold(w.BindDN, s.LDAP.BindDN):
					add(".ldap.write.bindDN", "must not be the read-only pull account (ldap.bindDN)")
				}
				pw, err := secret(getenv, w.BindPasswordEnv, w.BindPasswordFile, "bindPasswordEnv", "bindPasswordFile")
				if err != nil {
					add(".ldap.write.bindPassword", "%v", err)
				}
				w.password = pw
			}
		case "scim":
			if s.LDAP.URL != "" || s.LDAP.Write != nil {
				add(".ldap", "only for type ldap")
			}
			for _, fe := range s.scimConfig().Validate() {
				add(".scim."+fe.Field, "%s", fe.Msg)
			}
			tok, err := secret(getenv, s.SCIM.TokenEnv, s.SCIM.TokenFile, "tokenEnv", "tokenFile")
			if err != nil {
				add(".scim.token", "%v", err)
			}
			s.SCIM.token = tok
		}
	}
	return errs
}

// secret reads exactly one of an environment variable and a file.
func secret(getenv func(string) string, env, file, envField, fileField string) (string, error) {
	switch {
	case env != "" && file != "":
		return "", fmt.Errorf("give only one of %s and %s", envField, fileField)
	case env != "":
		v := getenv(env)
		if v == "" {
			return "", fmt.Errorf("environment variable %s (from %s) is empty or unset", env, envField)
		}
		return v, nil
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("%s: %w", fileField, err)
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return "", fmt.Errorf("%s %s is empty", fileField, file)
		}
		return v, nil
	}
	return "", fmt.Errorf("missing (set %s or %s)", envField, fileField)
}

// ldapConfig maps the YAML onto package ldap's configuration.
func (s SourceConfig) ldapConfig() ldap.Config {
	l := s.LDAP
	c := ldap.Config{
		Name: s.Name, URL: l.URL, StartTLS: l.StartTLS, CAFile: l.CAFile, InsecureSkipVerify: l.InsecureSkipVerify,
		BindDN: l.BindDN, BindPassword: l.password,
		DialTimeout: time.Duration(l.DialTimeout), Timeout: time.Duration(l.Timeout), PageSize: l.PageSize,
		Parallel: l.Parallel, Preset: l.Preset, People: ldap.Search{BaseDN: l.People.BaseDN, Filter: l.People.Filter},
		Attributes: l.Attributes, MaxValueLength: l.MaxValueLength,
	}
	if l.Groups.BaseDN != "" || l.Groups.Filter != "" {
		c.Groups = &ldap.Search{BaseDN: l.Groups.BaseDN, Filter: l.Groups.Filter}
	}
	if sa := l.ServiceAccounts; sa.BaseDN != "" || sa.Filter != "" || len(sa.NamePatterns) > 0 {
		c.ServiceAccounts = &ldap.ServiceAccounts{BaseDN: sa.BaseDN, Filter: sa.Filter, NamePatterns: sa.NamePatterns, Combine: sa.Combine, OwnerAttribute: sa.OwnerAttribute}
	}
	return c
}

// groupWriter returns the ldap-group writer of an LDAP source with write
// credentials, nil for any other source.
func (s SourceConfig) groupWriter() (*ldap.GroupWriter, error) {
	w := s.LDAP.Write
	if s.Type != "ldap" || w == nil {
		return nil, nil
	}
	return ldap.NewGroupWriter(s.ldapConfig(), ldap.WriteCredentials{BindDN: w.BindDN, BindPassword: w.password, EmptyMember: w.EmptyGroupMember})
}

// scimConfig maps the YAML onto package scimclient's configuration.
func (s SourceConfig) scimConfig() scimclient.Config {
	return scimclient.Config{
		Name: s.Name, BaseURL: s.SCIM.URL, Token: s.SCIM.token, PageSize: s.SCIM.PageSize,
		Timeout: time.Duration(s.SCIM.Timeout), Groups: s.SCIM.Groups, MaxRetries: s.SCIM.MaxRetries,
	}
}
