package api

import (
	"bytes"
	"encoding/json"
	"github.com/syncd-dev/syncd/internal/store"
	"io"
	"maps"
	"net/http"
	"slices"

	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/nhi"
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
// item; the body has the fields of a catalog file item. A change that
// tightens or keeps the item (or creates one) is a new version, audited,
// and in force when the call returns (200). A change that loosens it
// (catalog.Loosens) answers 202 with a pending change that another owner
// of the item or an admin approves (four eyes).
func (s *Server) putCatalogItem(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	if !mayEditCatalog(w, p) {
		return
	}
	id := r.PathValue("id")
	running := s.Catalog.Item(id)
	if !mayEditItem(w, p, running) {
		return
	}
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
	it, errs := s.Catalog.ParseItem(r.Context(), id, def.Bytes())
	if len(errs) > 0 {
		writeError(w, http.StatusBadRequest, "invalid input; nothing was stored", fieldErrors(errs))
		return
	}
	// A catalog owner cannot hand an item to someone else: the new
	// owner would not have asked for it.
	if !p.Admin() && it.OwnerID != p.PersonID {
		writeError(w, http.StatusForbidden, "catalog owners may only own the items they change; owner must be you", nil)
		return
	}
	if !p.Admin() {
		if msg := ownerMayGrant(running, it); msg != "" {
			writeError(w, http.StatusForbidden, msg, nil)
			return
		}
	}
	res, err := s.Catalog.Put(r.Context(), catalogActor(p), id, def.Bytes(), it)
	if err != nil {
		s.failCatalog(w, err)
		return
	}
	if res.Change != nil {
		// A loosening waits for a second person (four eyes).
		lint := []string{}
		for _, f := range s.Catalog.LintItem(r.Context(), it) {
			lint = append(lint, f.String())
		}
		writeJSON(w, http.StatusAccepted, map[string]any{"change": toCatalogChange(*res.Change), "applied": false, "lint": lint})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"version": toCatalogVersion(res.Version), "applied": res.Applied, "catalog_version": s.Access.Policy().Version})
}

// ownerMayGrant reports why a catalog owner may not make this change, or
// "". What an item grants and how (target and fulfillment) is changed in
// the reviewed catalog files or by an admin: otherwise an owner could
// define an item granting any group, auto-approve it and request it.
func ownerMayGrant(running *catalog.Item, it catalog.Item) string {
	var was []string
	if running != nil {
		was = running.Birthright
	}
	if !slices.Equal(was, it.Birthright) {
		// A birthright grants without any request or approval.
		return "catalog owners may not change an item's birthright job functions; change them in the catalog files or ask an admin"
	}
	if running == nil {
		if it.Fulfillment.Type != "" && it.Fulfillment.Type != "manual" {
			return "catalog owners may create only items with manual fulfillment; other fulfillment is set in the catalog files or by an admin"
		}
		return ""
	}
	if running.Target != it.Target || running.Fulfillment.Type != it.Fulfillment.Type || !maps.Equal(running.Fulfillment.Params, it.Fulfillment.Params) {
		return "catalog owners may not change an item's target or fulfillment; change them in the catalog files or ask an admin"
	}
	return ""
}
