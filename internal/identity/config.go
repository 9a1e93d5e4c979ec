package identity

import (
	"errors"
	"fmt"

	"github.com/syncd-dev/syncd/internal/store"
)

// SourceRole says what kind of system a source is; precedence lists name
// roles so one list serves every source of that kind.
type SourceRole string

const (
	RoleHR        SourceRole = "hr"
	RoleDirectory SourceRole = "directory"
	RoleIdP       SourceRole = "idp"
)

// Valid reports whether r is a known role.
func (r SourceRole) Valid() bool {
	return r == RoleHR || r == RoleDirectory || r == RoleIdP
}

// Config is how identity correlates, merges and classifies. cmd/syncd maps
// the YAML configuration onto it, for example:
//
//	identity:
//	  matchKeys: [employeeNumber, email, userName]
//	  sources: {workday: hr, corp-ldap: directory, okta: idp}
//	  precedence:
//	    title: [hr, directory, idp]
//	    email: [okta, idp, directory, hr]
//	  rules:
//	    - name: finance-accountant
//	      jobFunction: accountant
//	      when: person.department == "Finance" && person.title == "Accountant"
//	      stop: true
type Config struct {
	// MatchKeys are tried in order to correlate a record from a source not
	// yet linked; empty means employeeNumber, email, userName.
	MatchKeys []store.MatchKey
	// Sources maps a source name to its role. Unknown names (a new SCIM
	// token, say) are treated as RoleIdP.
	Sources map[string]SourceRole
	// Precedence maps a canonical attribute to an ordered list of roles or
	// source names, first wins. Attributes not listed keep their default
	// (see DefaultPrecedence); sources a list does not name come last.
	Precedence map[string][]string
	// Rules derive job functions, evaluated in order.
	Rules []Rule
}

// Rule assigns JobFunction to every person for whom When, a CEL expression
// over the map variable person, is true. Example When:
//
//	person.department == "Finance" && person.title == "Accountant"
type Rule struct {
	Name        string // rule id, unique
	JobFunction string
	When        string
	Stop        bool // stop evaluating further rules when this one matches
}

// DefaultMatchKeys is used when Config.MatchKeys is empty.
var DefaultMatchKeys = []store.MatchKey{store.MatchEmployeeNumber, store.MatchEmail, store.MatchUserName}

// DefaultPrecedence returns the precedence used for attributes Config does
// not list: HR decides organisational facts, the IdP decides login names,
// and status follows HR, then the IdP, then the directory.
func DefaultPrecedence() map[string][]string {
	hrFirst := []string{string(RoleHR), string(RoleDirectory), string(RoleIdP)}
	idpFirst := []string{string(RoleIdP), string(RoleDirectory), string(RoleHR)}
	idpThenHR := []string{string(RoleIdP), string(RoleHR), string(RoleDirectory)}
	return map[string][]string{
		AttrTitle:          hrFirst,
		AttrDepartment:     hrFirst,
		AttrCostCenter:     hrFirst,
		AttrManager:        hrFirst,
		AttrEmployeeNumber: hrFirst,
		AttrOrganization:   hrFirst,
		AttrDivision:       hrFirst,
		AttrUserName:       idpFirst,
		AttrEmail:          idpFirst,
		AttrGivenName:      idpThenHR,
		AttrFamilyName:     idpThenHR,
		AttrDisplayName:    idpThenHR,
		AttrStatus:         {string(RoleHR), string(RoleIdP), string(RoleDirectory)},
	}
}

// ConfigError is one problem in a Config. Path names the field the way the
// YAML spells it (rules[2].when, precedence.title[0]) so callers can point
// at it; Error names the rule or attribute.
type ConfigError struct {
	Path string
	What string // e.g. `rule "finance-accountant"`, `precedence of "title"`
	Err  error
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("identity: %s: %v", e.What, e.Err)
}

func (e *ConfigError) Unwrap() error { return e.Err }

// Validate reports every problem in c at once, compiling each rule.
func (c Config) Validate() []error {
	_, errs := c.compile()
	return errs
}

// compile checks c and builds what a Service runs on. Every problem is
// collected rather than stopping at the first.
func (c Config) compile() (compiled, []error) {
	var errs []error
	add := func(path, what string, err error) {
		errs = append(errs, &ConfigError{Path: path, What: what, Err: err})
	}

	out := compiled{matchKeys: c.MatchKeys, roles: map[string]SourceRole{}}
	if len(out.matchKeys) == 0 {
		out.matchKeys = DefaultMatchKeys
	}
	seenKey := map[store.MatchKey]bool{}
	for i, k := range c.MatchKeys {
		path := fmt.Sprintf("matchKeys[%d]", i)
		switch {
		case !k.Valid():
			add(path, fmt.Sprintf("match key %q", k), errors.New("unknown match key (want employeeNumber, email or userName)"))
		case seenKey[k]:
			add(path, fmt.Sprintf("match key %q", k), errors.New("listed twice"))
		}
		seenKey[k] = true
	}

	for name, role := range c.Sources {
		if name == "" {
			add("sources", "source \"\"", errors.New("empty source name"))
		}
		if !role.Valid() {
			add("sources."+name, fmt.Sprintf("source %q", name), fmt.Errorf("unknown role %q (want hr, directory or idp)", role))
		}
		out.roles[name] = role
	}

	out.precedence = DefaultPrecedence()
	for attr, list := range c.Precedence {
		path := "precedence." + attr
		what := fmt.Sprintf("precedence of %q", attr)
		if !isCanonical(attr) {
			add(path, what, errors.New("unknown attribute"))
			continue
		}
		if len(list) == 0 {
			add(path, what, errors.New("empty list"))
			continue
		}
		seen := map[string]bool{}
		for i, entry := range list {
			switch {
			case entry == "":
				add(fmt.Sprintf("%s[%d]", path, i), what, errors.New("empty entry"))
			case seen[entry]:
				add(fmt.Sprintf("%s[%d]", path, i), what, fmt.Errorf("%q listed twice", entry))
			}
			seen[entry] = true
		}
		out.precedence[attr] = list
	}

	rules, ruleErrs := compileRules(c.Rules)
	errs = append(errs, ruleErrs...)
	out.rules = rules
	return out, errs
}

// compiled is a validated Config, ready to run.
type compiled struct {
	matchKeys  []store.MatchKey
	roles      map[string]SourceRole
	precedence map[string][]string
	rules      []compiledRule
}

// role returns the role of source, RoleIdP for sources not configured.
func (c *compiled) role(source string) SourceRole {
	if r, ok := c.roles[source]; ok {
		return r
	}
	return RoleIdP
}
