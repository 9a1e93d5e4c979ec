package main

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
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
//	  credentialKeyEnv: SYNCD_CREDENTIAL_KEY   # or credentialKeyFile
//	  fulfillmentLease: 5m
//
// credentialKeyEnv (or credentialKeyFile) holds the AES-256 key, 32 bytes
// in standard base64 (`openssl rand -base64 32`), that seals an issued
// credential (api-key fulfillment) until its one-time retrieval. Unset, a
// random key of the running process is used: credentials stay encrypted at
// rest, but one issued before a restart or by another replica cannot be
// retrieved.
//
// fulfillmentLease is how long a worker holds one grant's fulfillment or
// take-back (default 5m; the external call gets half of it): a replica
// killed in the middle leaves the work to another after this.
type AccessConfig struct {
	SCIMApps          []SCIMAppConfig `yaml:"scimApps"`
	CredentialKeyEnv  string          `yaml:"credentialKeyEnv"`
	CredentialKeyFile string          `yaml:"credentialKeyFile"`
	FulfillmentLease  Duration        `yaml:"fulfillmentLease"`

	credentialKey []byte // resolved by validateAccess
	// webhookSecrets are the signing secrets of the catalog files' webhook
	// items by environment variable name, resolved by validateCatalog.
	webhookSecrets map[string][]byte
	// getenv is the environment the configuration was loaded with: a
	// webhook secret first named by a catalog change is read from it.
	getenv func(string) string
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
	if l := time.Duration(c.Access.FulfillmentLease); l != 0 && l < time.Second {
		errs = append(errs, FieldError{Path: "access.fulfillmentLease", Msg: "must be at least 1s"})
	}
	if c.Access.CredentialKeyEnv != "" || c.Access.CredentialKeyFile != "" {
		key, err := secret(getenv, c.Access.CredentialKeyEnv, c.Access.CredentialKeyFile, "credentialKeyEnv", "credentialKeyFile")
		if err == nil {
			c.Access.credentialKey, err = base64.StdEncoding.DecodeString(strings.TrimSpace(key))
			if err == nil && len(c.Access.credentialKey) != access.CredentialKeySize {
				err = fmt.Errorf("the key is %d bytes, want %d (openssl rand -base64 32)", len(c.Access.credentialKey), access.CredentialKeySize)
			}
		}
		if err != nil {
			errs = append(errs, FieldError{Path: "access.credentialKey", Msg: err.Error()})
		}
	}
	return errs
}

// credentialCipher seals issued credentials with the configured key; nil
// (the process's own key) when none is configured.
func (a AccessConfig) credentialCipher() (*access.CredentialCipher, error) {
	if a.credentialKey == nil {
		return nil, nil
	}
	return access.NewCredentialCipher(a.credentialKey)
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
