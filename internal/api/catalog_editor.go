package api

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
)

// RoleCatalogOwner may change the catalog items they own and create new
// ones owned by themselves.
const RoleCatalogOwner = "catalog-owner"

// CatalogEditor reads item definitions and rebuilds the running catalog.
// cmd/syncd implements it: it owns the item shape, the same one catalog
// files use, so an item means the same in a file and through the API.
type CatalogEditor interface {
	// ParseItem reads def, a JSON object with the fields of a catalog
	// file item, as item id, and checks the catalog still compiles with
	// it. Each problem names its field.
	ParseItem(ctx context.Context, id string, def []byte) (access.Item, []nhi.FieldError)
	// Reload rebuilds the effective catalog (the files, overridden by the
	// latest stored version of each item) and hands it to the service.
	Reload(ctx context.Context) error
}

// catalogItemChanged is the audit action of every change of an item
// through the API.

// mayEditCatalog reports whether p may change catalog items at all.
func mayEditCatalog(w http.ResponseWriter, p Principal) bool {
	if p.Admin() || (p.PersonID != "" && slices.Contains(p.Roles, RoleCatalogOwner)) {
		return true
	}
	writeError(w, http.StatusForbidden, "changing the catalog needs the admin or catalog-owner role", nil)
	return false
}

// mayEditItem reports whether p may change the running item (nil: a new
// one): admins any, catalog owners only their own.
func mayEditItem(w http.ResponseWriter, p Principal, it *access.Item) bool {
	if p.Admin() || it == nil || (it.OwnerID != "" && it.OwnerID == p.PersonID) {
		return true
	}
	writeError(w, http.StatusForbidden, "catalog owners may change only the items they own", nil)
	return false
}

// runningItem returns the item id of the running catalog, or nil.
func (s *Server) runningItem(id string) *access.Item {
	for _, it := range s.Access.Catalog().Items {
		if it.ID == id {
			return &it
		}
	}
	return nil
}

// storeItemVersion writes v as the item's next version and its audit
// event in one transaction, then reloads the catalog so the change applies
// at once. applied is false when the reload failed (the minute reload
// retries it).
func (s *Server) storeItemVersion(ctx context.Context, p Principal, v store.CatalogItemVersion) (out store.CatalogItemVersion, applied bool, err error) {
	v.Author = p.Actor()
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		if out, err = tx.PutCatalogItem(ctx, v); err != nil {
			return err
		}
		details := map[string]any{"item": out.ItemID, "version": out.Version, "author": out.Author, "retired": out.Retired}
		if len(out.Definition) > 0 {
			details["definition"] = rawJSON(out.Definition)
		}
		_, err = audit.Append(ctx, tx, time.Now(), audit.Entry{
			Actor: p.Actor(), Action: audit.ActionCatalogItemChanged, Target: "catalog_item:" + out.ItemID, Details: details,
		})
		return err
	})
	if err != nil {
		return store.CatalogItemVersion{}, false, err
	}
	if err := s.Catalog.Reload(ctx); err != nil {
		s.logger().Error("api: catalog reload after change", "item", out.ItemID, "version", out.Version, "err", err)
		return out, false, nil
	}
	return out, true, nil
}
