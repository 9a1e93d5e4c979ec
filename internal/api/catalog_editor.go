package api

import (
	"net/http"
	"slices"

	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/strictyaml"
)

// RoleCatalogOwner may change the catalog items they own and create new
// ones owned by themselves.
const RoleCatalogOwner = "catalog-owner"

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
func mayEditItem(w http.ResponseWriter, p Principal, it *catalog.Item) bool {
	if p.Admin() || it == nil || (it.OwnerID != "" && it.OwnerID == p.PersonID) {
		return true
	}
	writeError(w, http.StatusForbidden, "catalog owners may change only the items they own", nil)
	return false
}

// fieldErrors maps the catalog's field errors onto the API's.
func fieldErrors(errs strictyaml.Errors) []nhi.FieldError {
	out := make([]nhi.FieldError, 0, len(errs))
	for _, fe := range errs {
		out = append(out, nhi.FieldError{Field: fe.Path, Msg: fe.Msg})
	}
	return out
}
