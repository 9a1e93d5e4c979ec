package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/authz"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/strictyaml"
)

// effectiveCatalog is the catalog in force: the catalog files, each item
// overridden by its latest version stored through the API, and items
// created through the API added after them. A retired stored version
// retires the item.
func (c CatalogConfig) effectiveCatalog(ctx context.Context, st store.Tx) (*access.Catalog, ConfigErrors) {
	resolve := personResolver(ctx, st)
	cat, errs := c.loadCatalog(resolve)
	if len(errs) > 0 {
		return cat, errs
	}
	vs, err := st.ListCatalogItems(ctx)
	if err != nil {
		return cat, ConfigErrors{{Path: "catalog_items", Msg: err.Error()}}
	}
	return cat, mergeStoredItems(cat, vs, resolve)
}

// mergeStoredItems applies stored item versions to cat, mapping each with
// the same toItem a catalog file item goes through.
func mergeStoredItems(cat *access.Catalog, vs []store.CatalogItemVersion, resolve func(string) string) ConfigErrors {
	var errs ConfigErrors
	for _, v := range vs {
		i := -1
		for j, it := range cat.Items {
			if it.ID == v.ItemID {
				i = j
				break
			}
		}
		if len(v.Definition) == 0 {
			// A retired item that only a catalog file defines.
			if i >= 0 && v.Retired {
				cat.Items[i].Retired = true
			}
			continue
		}
		it, ierrs := decodeCatalogItem(v.ItemID, v.Definition)
		if len(ierrs) > 0 {
			for _, e := range ierrs {
				e.Path = fmt.Sprintf("catalog_items[%s] version %d: %s", v.ItemID, v.Version, e.Path)
				errs = append(errs, e)
			}
			continue
		}
		it.Retired = it.Retired || v.Retired
		if i >= 0 {
			cat.Items[i] = it.toItem(resolve)
		} else {
			cat.Items = append(cat.Items, it.toItem(resolve))
		}
	}
	return errs
}

// decodeCatalogItem reads def, a JSON object with the fields of a catalog
// file item, as item id. JSON is YAML, so it goes through the same strict
// decoder as the files: unknown fields and bad durations are reported
// with their path.
func decodeCatalogItem(id string, def []byte) (CatalogItem, ConfigErrors) {
	var it CatalogItem
	if err := strictyaml.Decode(def, &it); err != nil {
		var es strictyaml.Errors
		if errors.As(err, &es) {
			return it, es
		}
		return it, ConfigErrors{{Path: "(body)", Msg: err.Error()}}
	}
	var errs ConfigErrors
	if it.ID != "" && it.ID != id {
		errs = append(errs, FieldError{Path: "id", Msg: fmt.Sprintf("must be the item id of the path %q or left out", id)})
	}
	it.ID = id
	return it, append(errs, it.check("")...)
}

// catalogEditor is the API's api.CatalogEditor: it checks items against
// the running catalog and rebuilds it from files and stored versions.
type catalogEditor struct {
	cfg    CatalogConfig
	store  store.Store
	access *access.Service
	// webhookAllow is security.webhookAllowList: a change naming a webhook
	// destination outside it is refused at once, before any four-eyes step.
	webhookAllow []string
}

// ParseItem implements api.CatalogEditor.
func (e catalogEditor) ParseItem(ctx context.Context, id string, def []byte) (access.Item, []nhi.FieldError) {
	it, errs := decodeCatalogItem(id, def)
	var fields []nhi.FieldError
	for _, fe := range errs {
		fields = append(fields, nhi.FieldError{Field: fe.Path, Msg: fe.Msg})
	}
	if len(fields) > 0 {
		return access.Item{}, fields
	}
	if it.Fulfillment.Type == "webhook" {
		if err := authz.ValidateWebhookURL(e.webhookAllow, it.Fulfillment.Params["url"]); err != nil {
			return access.Item{}, []nhi.FieldError{{Field: "fulfillment.params.url", Msg: strings.TrimPrefix(err.Error(), "authz: ")}}
		}
	}
	item := it.toItem(personResolver(ctx, e.store))
	if it.Owner == "" {
		fields = append(fields, nhi.FieldError{Field: "owner", Msg: "missing (an email, employee number or userName)"})
	} else if item.OwnerID == "" {
		fields = append(fields, nhi.FieldError{Field: "owner", Msg: fmt.Sprintf("%q matches no single person", it.Owner)})
	}
	// The catalog must still compile with the item in place: risk, stage
	// shape, CEL conditions and separation-of-duties references.
	specs := e.access.Catalog().Specs()
	found := false
	for i := range specs {
		if specs[i].ID == id {
			specs[i], found = item.ItemSpec, true
		}
	}
	if !found {
		specs = append(specs, item.ItemSpec)
	}
	if _, perrs := policy.Compile(specs); len(perrs) > 0 {
		for _, err := range perrs {
			var se *policy.SpecError
			if errors.As(err, &se) && se.Item == id {
				fields = append(fields, nhi.FieldError{Field: se.Field, Msg: se.Err.Error()})
			} else {
				fields = append(fields, nhi.FieldError{Field: "(catalog)", Msg: err.Error()})
			}
		}
	}
	return item, fields
}

// Reload implements api.CatalogEditor.
func (e catalogEditor) Reload(ctx context.Context) error {
	cat, errs := e.cfg.effectiveCatalog(ctx, e.store)
	if len(errs) > 0 {
		return errs
	}
	return e.access.SetCatalog(cat)
}

// catalogEditor rebuilds the catalog from its files and the item versions
// stored through the API; the API calls it after each change.
func (d *daemon) catalogEditor() catalogEditor {
	return catalogEditor{cfg: d.cfg.Catalog, store: d.store, access: d.access, webhookAllow: d.cfg.Security.WebhookAllowList}
}
