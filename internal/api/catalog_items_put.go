package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"

	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
)

// catalogVersionJSON is one stored version of an item.
type catalogVersionJSON struct {
	Item       string  `json:"item"`
	Version    int     `json:"version"`
	Author     string  `json:"author"`
	Retired    bool    `json:"retired"`
	CreatedAt  string  `json:"created_at"`
	Definition rawJSON `json:"definition,omitempty"`
}

func toCatalogVersion(v store.CatalogItemVersion) catalogVersionJSON {
	return catalogVersionJSON{Item: v.ItemID, Version: v.Version, Author: v.Author, Retired: v.Retired,
		CreatedAt: v.CreatedAt.UTC().Format("2006-01-02T15:04:05.999999Z"), Definition: v.Definition}
}

// putCatalogItem: PUT /api/v1/catalog/items/{id}: create or change an
// item; the body has the fields of a catalog file item. The change is a
// new version, audited, and in force when the call returns.
func (s *Server) putCatalogItem(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	if !mayEditCatalog(w, p) {
		return
	}
	id := r.PathValue("id")
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid input; nothing was stored", []nhi.FieldError{{Field: "(body)", Msg: err.Error()}})
		return
	}
	var def bytes.Buffer
	if err := json.Compact(&def, raw); err != nil || !bytes.HasPrefix(def.Bytes(), []byte("{")) {
		writeError(w, http.StatusBadRequest, "invalid input; nothing was stored", []nhi.FieldError{{Field: "(body)", Msg: "send one JSON object"}})
		return
	}
	it, fields := s.Catalog.ParseItem(r.Context(), id, def.Bytes())
	if len(fields) > 0 {
		writeError(w, http.StatusBadRequest, "invalid input; nothing was stored", fields)
		return
	}
	if !mayEditItem(w, p, s.runningItem(id)) {
		return
	}
	// A catalog owner cannot hand an item to someone else: the new
	// owner would not have asked for it.
	if !p.Admin() && it.OwnerID != p.PersonID {
		writeError(w, http.StatusForbidden, "catalog owners may only own the items they change; owner must be you", nil)
		return
	}
	v, applied, err := s.storeItemVersion(r.Context(), p, store.CatalogItemVersion{ItemID: id, Definition: def.Bytes(), Retired: it.Retired})
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"version": toCatalogVersion(v), "applied": applied, "catalog_version": s.Access.Policy().Version})
}
