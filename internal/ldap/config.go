package ldap

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"time"
)

// Presets name the attribute mappings for the two directory kinds.
const (
	PresetOpenLDAP        = "openldap"
	PresetActiveDirectory = "activedirectory"
)

// Config is one LDAP source. cmd/syncd maps the YAML onto it.
type Config struct {
	Name     string
	URL      string // ldap://host:389 or ldaps://host:636
	StartTLS bool   // upgrade ldap:// with StartTLS
	CAFile   string // PEM bundle; system roots when ""
	// InsecureSkipVerify disables certificate checks (tests only).
	InsecureSkipVerify bool
	BindDN             string
	BindPassword       string
	DialTimeout        time.Duration // default 10s
	Timeout            time.Duration // per request; default 60s
	PageSize           int           // default 500; at most the server's limit (AD: 1000)
	// Parallel splits full OpenLDAP reads into this many entryUUID ranges
	// read on their own connections; default 1.
	Parallel int

	Preset string // openldap | activedirectory

	People          Search
	Groups          *Search
	ServiceAccounts *ServiceAccounts
	// Attributes overrides the preset's mapping: canonical name → LDAP
	// attribute (userName, email, givenName, familyName, displayName,
	// employeeNumber, title, department, costCenter, organization,
	// division, manager, id).
	Attributes map[string]string
	// MaxValueLength rejects records with a longer value; default 4096.
	MaxValueLength int
}

// Search is a base DN and filter.
type Search struct {
	BaseDN string
	Filter string // default per preset
}

// ServiceAccounts identify non-human accounts. BaseDN (default the
// people base), Filter (default the people filter) and NamePatterns
// (path.Match syntax on the login, e.g. "svc-*") combine as Combine says
// when both a BaseDN and NamePatterns are given:
//
//   - and: entries under BaseDN matching Filter whose login matches one of
//     NamePatterns;
//   - or: every entry under BaseDN matching Filter, and besides, every
//     entry under the people base whose login matches one of NamePatterns
//     (accounts misplaced among people).
//
// With only one of them, it alone decides and Combine may be omitted.
//
//	serviceAccounts:
//	  baseDN: ou=services,dc=example,dc=org
//	  namePatterns: ["svc-*"]
//	  combine: or
//	  ownerAttribute: manager
type ServiceAccounts struct {
	BaseDN         string
	Filter         string
	NamePatterns   []string
	Combine        string // and | or; required with both BaseDN and NamePatterns
	OwnerAttribute string // default manager (AD presets may use managedBy)
}

// How ServiceAccounts.BaseDN and NamePatterns combine.
const (
	CombineAnd = "and"
	CombineOr  = "or"
)

// Mapping is the attribute mapping a preset gives, after overrides.
type Mapping struct {
	Preset string
	ID     string // entryUUID | objectGUID
	Attrs  map[string]string
	// Manager is the attribute holding the manager's DN.
	Manager string
	// Watermark is modifyTimestamp (OpenLDAP) or uSNChanged (AD).
	Watermark string
}

func presetMapping(preset string) (Mapping, error) {
	switch preset {
	case PresetOpenLDAP, "":
		return Mapping{Preset: PresetOpenLDAP, ID: "entryUUID", Manager: "manager", Watermark: "modifyTimestamp",
			Attrs: map[string]string{
				"userName": "uid", "email": "mail", "givenName": "givenName", "familyName": "sn",
				"displayName": "cn", "employeeNumber": "employeeNumber", "title": "title",
				"department": "departmentNumber", "organization": "o",
			}}, nil
	case PresetActiveDirectory:
		return Mapping{Preset: PresetActiveDirectory, ID: "objectGUID", Manager: "manager", Watermark: "uSNChanged",
			Attrs: map[string]string{
				"userName": "sAMAccountName", "email": "mail", "givenName": "givenName", "familyName": "sn",
				"displayName": "displayName", "employeeNumber": "employeeID", "title": "title",
				"department": "department", "organization": "company", "division": "division",
			}}, nil
	}
	return Mapping{}, fmt.Errorf("unknown preset %q (want %s or %s)", preset, PresetOpenLDAP, PresetActiveDirectory)
}

// canonicalMapped lists what Attributes may override.
var canonicalMapped = []string{"userName", "email", "givenName", "familyName", "displayName", "employeeNumber",
	"title", "department", "costCenter", "organization", "division", "manager", "id"}

// mapping returns the effective mapping of c.
func (c Config) mapping() (Mapping, error) {
	m, err := presetMapping(c.Preset)
	if err != nil {
		return m, err
	}
	for canon, attr := range c.Attributes {
		switch canon {
		case "manager":
			m.Manager = attr
		case "id":
			m.ID = attr
		default:
			if attr == "" {
				delete(m.Attrs, canon)
			} else {
				m.Attrs[canon] = attr
			}
		}
	}
	return m, nil
}

func (c Config) peopleFilter() string {
	if c.People.Filter != "" {
		return c.People.Filter
	}
	if c.Preset == PresetActiveDirectory {
		return "(&(objectCategory=person)(objectClass=user))"
	}
	return "(objectClass=inetOrgPerson)"
}

func (c Config) groupFilter() string {
	if c.Groups != nil && c.Groups.Filter != "" {
		return c.Groups.Filter
	}
	if c.Preset == PresetActiveDirectory {
		return "(objectClass=group)"
	}
	return "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))"
}

// FieldError is one problem in a Config; Field is spelled as in the YAML
// (people.baseDN, serviceAccounts.namePatterns[0]).
type FieldError struct {
	Field, Msg string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Msg }

// Validate reports every problem, each naming its field.
func (c Config) Validate() []FieldError {
	var errs []FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	switch {
	case c.URL == "":
		add("url", "missing")
	case !strings.HasPrefix(c.URL, "ldap://") && !strings.HasPrefix(c.URL, "ldaps://"):
		add("url", "must start with ldap:// or ldaps://, got %q", c.URL)
	case c.StartTLS && strings.HasPrefix(c.URL, "ldaps://"):
		add("startTLS", "not with an ldaps:// URL (already TLS)")
	}
	if c.BindDN == "" {
		add("bindDN", "missing (anonymous binds are not supported)")
	}
	if _, err := c.mapping(); err != nil {
		add("preset", "%v", err)
	}
	for canon := range c.Attributes {
		found := false
		for _, k := range canonicalMapped {
			found = found || k == canon
		}
		if !found {
			add("attributes."+canon, "unknown attribute (want one of %s)", strings.Join(canonicalMapped, ", "))
		}
	}
	if c.People.BaseDN == "" {
		add("people.baseDN", "missing")
	}
	if c.Groups != nil && c.Groups.BaseDN == "" {
		add("groups.baseDN", "missing")
	}
	if sa := c.ServiceAccounts; sa != nil {
		if sa.BaseDN == "" && sa.Filter == "" && len(sa.NamePatterns) == 0 {
			add("serviceAccounts", "give a baseDN, a filter or namePatterns")
		}
		switch {
		case sa.Combine != "" && sa.Combine != CombineAnd && sa.Combine != CombineOr:
			add("serviceAccounts.combine", "must be %s or %s, got %q", CombineAnd, CombineOr, sa.Combine)
		case sa.Combine == "" && sa.BaseDN != "" && len(sa.NamePatterns) > 0:
			add("serviceAccounts.combine", "required with both baseDN and namePatterns: %s (under baseDN and matching a pattern) or %s (under baseDN, or anywhere under people.baseDN matching a pattern)", CombineAnd, CombineOr)
		}
		for i, p := range sa.NamePatterns {
			if _, err := path.Match(p, ""); err != nil {
				add(fmt.Sprintf("serviceAccounts.namePatterns[%d]", i), "bad pattern %q: %v", p, err)
			}
		}
	}
	if c.Parallel < 0 || c.Parallel > 16 {
		add("parallel", "must be between 1 and 16, got %d", c.Parallel)
	}
	if c.Parallel > 1 && c.Preset == PresetActiveDirectory {
		add("parallel", "partitioned reads need entryUUID ordering (openldap preset)")
	}
	if c.PageSize < 0 || c.PageSize > 100000 {
		add("pageSize", "must be between 1 and 100000, got %d", c.PageSize)
	}
	return errs
}

func (c Config) withDefaults() Config {
	if c.DialTimeout == 0 {
		c.DialTimeout = 10 * time.Second
	}
	if c.Timeout == 0 {
		c.Timeout = 60 * time.Second
	}
	if c.PageSize == 0 {
		c.PageSize = 500
	}
	if c.Parallel == 0 {
		c.Parallel = 1
	}
	if c.MaxValueLength == 0 {
		c.MaxValueLength = 4096
	}
	if c.ServiceAccounts != nil && c.ServiceAccounts.OwnerAttribute == "" {
		sa := *c.ServiceAccounts
		sa.OwnerAttribute = "manager"
		c.ServiceAccounts = &sa
	}
	return c
}

var errNoName = errors.New("ldap: source has no name")
