package api

import (
	"net/http"

	"github.com/syncd-dev/syncd/internal/store"
)

// retireCatalogItem: POST /api/v1/catalog/items/{id}/retire: a new
// version that retires the item; it leaves the catalog at once (grants
// already given stay until revoked or expired).
func (s *Server) retireCatalogItem(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	if !mayEditCatalog(w, p) {
		return
	}
	id := r.PathValue("id")
	it := s.Catalog.Item(id)
	if it == nil {
		writeError(w, http.StatusNotFound, "not found", nil)
		return
	}
	if !mayEditItem(w, p, it) {
		return
	}
	// The retired version keeps the last stored definition, if any, so
	// its history reads whole; an item only in files has none.
	versions, err := s.Store.ListCatalogItemVersions(r.Context(), id)
	if err != nil {
		s.fail(w, err)
		return
	}
	v := store.CatalogItemVersion{ItemID: id, Retired: true}
	if n := len(versions); n > 0 {
		v.Definition = versions[n-1].Definition
	}
	v, applied, err := s.Catalog.Save(r.Context(), p.Actor(), v)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"version": toCatalogVersion(v), "applied": applied, "catalog_version": s.Access.Policy().Version})
}
