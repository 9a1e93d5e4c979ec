package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/scim"
)

// SCIMConfig is the SCIM 2.0 server IdPs push into, mounted at /scim/v2
// (each IdP authenticates with its own token, created with
// `syncd token create --scope scim --source NAME`).
//
//	scim:
//	  disabled: false
//	  maxBodyBytes: 1048576   # larger request bodies get 413
//	  maxResults: 200         # cap on count for list requests
//	  ratePerSecond: 200      # per token; over it: 429 with Retry-After
//	  burst: 400
//	  nonHuman:               # pushed users stored as NHIs, never persons
//	    userTypes: [Service]
//	    userNamePrefixes: [svc-]
//	    attribute: urn:example:params:scim:schemas:extension:acme:2.0:User:isServiceAccount
type SCIMConfig struct {
	Disabled      bool         `yaml:"disabled"`
	MaxBodyBytes  int64        `yaml:"maxBodyBytes"`
	MaxResults    int          `yaml:"maxResults"`
	RatePerSecond int          `yaml:"ratePerSecond"`
	Burst         int          `yaml:"burst"`
	NonHuman      SCIMNonHuman `yaml:"nonHuman"`
}

// SCIMNonHuman says which pushed users are service accounts; any match is
// enough.
type SCIMNonHuman struct {
	UserTypes        []string `yaml:"userTypes"`
	UserNamePrefixes []string `yaml:"userNamePrefixes"`
	Attribute        string   `yaml:"attribute"`
}

// validateSCIM reports every problem of the scim section.
func (c *Config) validateSCIM() ConfigErrors {
	var errs ConfigErrors
	add := func(path, format string, args ...any) {
		errs = append(errs, FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
	}
	s := c.SCIM
	if s.MaxBodyBytes < 0 {
		add("scim.maxBodyBytes", "must not be negative")
	}
	if s.MaxResults < 0 {
		add("scim.maxResults", "must not be negative")
	}
	if s.RatePerSecond < 0 {
		add("scim.ratePerSecond", "must not be negative")
	}
	if s.Burst < 0 {
		add("scim.burst", "must not be negative")
	}
	for i, v := range s.NonHuman.UserTypes {
		if strings.TrimSpace(v) == "" {
			add(fmt.Sprintf("scim.nonHuman.userTypes[%d]", i), "empty user type")
		}
	}
	for i, v := range s.NonHuman.UserNamePrefixes {
		if strings.TrimSpace(v) == "" {
			add(fmt.Sprintf("scim.nonHuman.userNamePrefixes[%d]", i), "empty prefix")
		}
	}
	if a := s.NonHuman.Attribute; a != "" && (strings.ContainsAny(a, " \t[]\"") || strings.HasSuffix(a, ":")) {
		add("scim.nonHuman.attribute", "not an attribute path: %q", a)
	}
	return errs
}

// startSCIM mounts the SCIM server at /scim/v2/.
func (d *daemon) startSCIM(_ context.Context) error {
	c := d.cfg.SCIM
	if c.Disabled {
		return nil
	}
	id, err := identity.New(d.cfg.identityConfig(), d.store, identity.WithLogger(d.logger))
	if err != nil {
		return fmt.Errorf("scim: identity: %w", err)
	}
	srv, err := scim.New(scim.Config{
		BaseURL:       d.cfg.listenBaseURL() + "/scim/v2",
		MaxBodyBytes:  c.MaxBodyBytes,
		MaxResults:    c.MaxResults,
		RatePerSecond: float64(c.RatePerSecond),
		Burst:         c.Burst,
		NonHuman: scim.NonHumanRule{
			UserTypes: c.NonHuman.UserTypes, UserNamePrefixes: c.NonHuman.UserNamePrefixes, Attribute: c.NonHuman.Attribute,
		},
		Observe: d.metrics.SCIMOperation,
	}, d.store, id, d.logger.With("component", "scim"), time.Now)
	if err != nil {
		return err
	}
	if d.nhi != nil {
		srv.NHI = d.nhi.svc
	} else {
		srv.NHI = d.cfg.nhiService(d.store, d.logger)
	}
	d.mux.Handle("/scim/v2/", http.StripPrefix("/scim", srv))
	return nil
}
