package main

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/scim/scimclient"
)

// AccessConfig is where the request flow fulfills grants. scimApps are
// the downstream applications a catalog item with fulfillment type scim
// names in params.app; the bearer token comes from tokenEnv or tokenFile.
//
//	access:
//	  scimApps:
//	    - name: wiki
//	      baseURL: https://wiki.example.org/scim/v2
//	      tokenEnv: SYNCD_WIKI_SCIM_TOKEN
//	      timeout: 30s
//	      maxRetries: 5
type AccessConfig struct {
	SCIMApps []SCIMAppConfig `yaml:"scimApps"`
}

// SCIMAppConfig is one downstream SCIM application.
type SCIMAppConfig struct {
	Name       string   `yaml:"name"`
	BaseURL    string   `yaml:"baseURL"`
	TokenEnv   string   `yaml:"tokenEnv"`
	TokenFile  string   `yaml:"tokenFile"`
	Timeout    Duration `yaml:"timeout"`
	MaxRetries int      `yaml:"maxRetries"`

	token string // resolved by validateAccess
}

func (a SCIMAppConfig) clientConfig() scimclient.Config {
	return scimclient.Config{Name: a.Name, BaseURL: a.BaseURL, Token: a.token,
		Timeout: time.Duration(a.Timeout), MaxRetries: a.MaxRetries}
}

// validateAccess checks every downstream app; problems are named by path
// (access.scimApps[0].baseURL: missing).
func (c *Config) validateAccess(getenv func(string) string) ConfigErrors {
	var errs ConfigErrors
	seen := map[string]int{}
	for i := range c.Access.SCIMApps {
		a := &c.Access.SCIMApps[i]
		p := fmt.Sprintf("access.scimApps[%d]", i)
		add := func(path, format string, args ...any) {
			errs = append(errs, FieldError{Path: p + path, Msg: fmt.Sprintf(format, args...)})
		}
		if a.Name == "" {
			add(".name", "missing")
		} else if j, dup := seen[a.Name]; dup {
			add(".name", "duplicate of access.scimApps[%d]", j)
		} else {
			seen[a.Name] = i
		}
		for _, fe := range a.clientConfig().Validate() {
			field := fe.Field
			if field == "url" {
				field = "baseURL"
			}
			add("."+field, "%s", fe.Msg)
		}
		tok, err := secret(getenv, a.TokenEnv, a.TokenFile, "tokenEnv", "tokenFile")
		if err != nil {
			add(".token", "%v", err)
		}
		a.token = tok
	}
	return errs
}

// scimFulfiller is the scim fulfillment over the configured downstream
// apps. The config is validated by then, so an app that cannot be built
// is only logged.
func (a AccessConfig) scimFulfiller(logger *slog.Logger) *access.SCIMGroup {
	f := &access.SCIMGroup{Apps: map[string]access.SCIMApp{}}
	for _, app := range a.SCIMApps {
		w, err := scimclient.NewGroupWriter(app.clientConfig(), logger.With("scim_app", app.Name))
		if err != nil {
			logger.Error("scim app", "app", app.Name, "err", err)
			continue
		}
		f.Apps[app.Name] = w
	}
	return f
}
