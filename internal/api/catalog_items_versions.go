package api

import (
	"net/http"
	"slices"
)

// listCatalogItemVersions: GET /api/v1/catalog/items/{id}/versions: every
// version stored through the API, oldest first (items only in files have
// none). For admins, auditors and catalog owners.
func (s *Server) listCatalogItemVersions(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	if !p.seesAll() && !slices.Contains(p.Roles, RoleCatalogOwner) {
		writeError(w, http.StatusForbidden, "catalog history is for admins, auditors and catalog owners", nil)
		return
	}
	vs, err := s.Store.ListCatalogItemVersions(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, err)
		return
	}
	out := make([]catalogVersionJSON, len(vs))
	for i, v := range vs {
		out[i] = toCatalogVersion(v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"versions": out})
}
