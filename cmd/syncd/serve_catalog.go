package main

import "github.com/syncd-dev/syncd/internal/catalog"

// catalogEditor rebuilds the catalog from its files and the item versions
// stored through the API, and governs changes of items; the API calls it
// for each change and serve for the periodic reload.
func (d *daemon) catalogEditor() *catalog.Editor {
	return &catalog.Editor{Source: d.cfg.Catalog.source(), Store: d.store, Running: d.access,
		WebhookAllow: d.cfg.Security.WebhookAllowList, SecretSet: d.cfg.Access.webhookSecretSet, Logger: d.logger.With("component", "catalog")}
}
