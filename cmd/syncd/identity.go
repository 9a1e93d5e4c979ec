package main

import (
	"errors"
	"strings"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/store"
)

// identityConfig maps the YAML identity section and the sources' roles onto
// the identity package's configuration.
func (c *Config) identityConfig() identity.Config {
	ic := identity.Config{
		Sources:    map[string]identity.SourceRole{},
		Precedence: c.Identity.Precedence,
	}
	for _, k := range c.Identity.MatchKeys {
		ic.MatchKeys = append(ic.MatchKeys, store.MatchKey(k))
	}
	for _, s := range c.Sources {
		if s.Name != "" {
			ic.Sources[s.Name] = identity.SourceRole(s.Role)
		}
	}
	for _, r := range c.Identity.JobFunctions {
		ic.Rules = append(ic.Rules, identity.Rule{Name: r.Rule, JobFunction: r.JobFunction, When: r.When, Stop: r.Stop})
	}
	return ic
}

// identityErrors compiles the identity section (CEL job-function rules,
// precedence) and returns its problems located by YAML path. Match keys,
// source roles and precedence entries are checked in validate already, so
// only the problems identity alone can see are kept here.
func (c *Config) identityErrors() ConfigErrors {
	var errs ConfigErrors
	for _, err := range c.identityConfig().Validate() {
		var ce *identity.ConfigError
		if !errors.As(err, &ce) {
			errs = append(errs, FieldError{Path: "identity", Msg: err.Error()})
			continue
		}
		path, ok := yamlPathOf(ce.Path)
		if !ok {
			continue // reported by validate with the YAML's own path
		}
		errs = append(errs, FieldError{Path: path, Msg: ce.What + ": " + ce.Err.Error()})
	}
	return errs
}

// yamlPathOf turns identity's paths into the YAML's: rules[i].name is
// identity.jobFunctions[i].rule. Match keys and source roles are validated
// with their YAML paths in validate, so those are dropped here.
func yamlPathOf(p string) (string, bool) {
	if rest, ok := strings.CutPrefix(p, "rules["); ok {
		rest = strings.Replace(rest, "].name", "].rule", 1)
		return "identity.jobFunctions[" + rest, true
	}
	if strings.HasPrefix(p, "precedence.") {
		return "identity." + p, true
	}
	return "", false
}
