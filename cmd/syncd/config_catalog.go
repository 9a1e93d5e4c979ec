package main

import (
	"context"
	"fmt"

	"github.com/syncd-dev/syncd/internal/authz"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
)

// CatalogConfig points at the catalog files, kept in git beside the config.
//
//	catalog:
//	  files: [catalog.yaml]   # relative to this config file
type CatalogConfig struct {
	Files []string `yaml:"files"`

	dir string // directory of the config file, set by loadConfig
}

// source is where the catalog comes from, for package catalog.
func (c CatalogConfig) source() catalog.Source {
	return catalog.Source{Files: c.Files, Dir: c.dir}
}

// loadCatalog reads the catalog files (see catalog.Source.Load).
func (c CatalogConfig) loadCatalog(resolve func(ref string) string) (*catalog.Catalog, ConfigErrors) {
	return c.source().Load(resolve)
}

// effectiveCatalog is the catalog in force: files and stored versions
// (see catalog.Source.Effective).
func (c CatalogConfig) effectiveCatalog(ctx context.Context, st store.Tx) (*catalog.Catalog, ConfigErrors) {
	return c.source().Effective(ctx, st)
}

// validateCatalog loads and compiles the catalog without a store: file
// shape, enums and every CEL condition, each problem naming the item.
func (c *Config) validateCatalog(getenv func(string) string) ConfigErrors {
	cat, errs := c.Catalog.loadCatalog(nil)
	if len(errs) > 0 {
		return errs
	}
	if _, perrs := policy.Compile(cat.Specs()); len(perrs) > 0 {
		for _, e := range perrs {
			errs = append(errs, FieldError{Path: "catalog", Msg: e.Error()})
		}
	}
	secrets := map[string][]byte{}
	apps := map[string]bool{}
	for _, a := range c.Access.SCIMApps {
		apps[a.Name] = true
	}
	for _, it := range cat.Items {
		if app := it.Fulfillment.Params["app"]; it.Fulfillment.Type == "scim" && app != "" && !apps[app] {
			errs = append(errs, FieldError{Path: "catalog", Msg: fmt.Sprintf("item %q: fulfillment.params.app: %q is not in access.scimApps", it.ID, app)})
		}
		// The allow-list binds catalog files as it binds API changes.
		if u := it.Fulfillment.Params["url"]; it.Fulfillment.Type == "webhook" && u != "" {
			if err := authz.ValidateWebhookURL(c.Security.WebhookAllowList, u); err != nil {
				errs = append(errs, FieldError{Path: "catalog", Msg: fmt.Sprintf("item %q: fulfillment.params.url: %v", it.ID, err)})
			}
		}
		// A webhook's signing secret is resolved here, once: a missing one
		// fails the configuration, not the first fulfillment.
		if name := it.Fulfillment.Params["secretEnv"]; it.Fulfillment.Type == "webhook" && name != "" {
			if v := getenv(name); v != "" {
				secrets[name] = []byte(v)
			} else {
				errs = append(errs, FieldError{Path: "catalog", Msg: fmt.Sprintf("item %q: fulfillment.params.secretEnv: environment variable %s is empty or unset", it.ID, name)})
			}
		}
	}
	c.Access.webhookSecrets = secrets
	c.Access.getenv = getenv
	return errs
}
