package api

import (
	"bytes"
	"encoding/json"
	"github.com/syncd-dev/syncd/internal/catalog"
	"io"
	"net/http"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/nhi"
)

// simulateCatalogItem: POST /api/v1/catalog/items/{id}/simulate: what the
// changed definition in the body (the fields of a catalog file item) would
// decide differently: recorded requests replayed with their stored inputs,
// and live grants whose holders would no longer be eligible. Nothing is
// stored. Those who may change the item may ask: admins, and catalog
// owners for their own items (the answer names holders of the item).
func (s *Server) simulateCatalogItem(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	if !mayEditCatalog(w, p) {
		return
	}
	id := r.PathValue("id")
	if !mayEditItem(w, p, s.Catalog.Item(id)) {
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var def bytes.Buffer
	if err != nil || json.Compact(&def, raw) != nil || !bytes.HasPrefix(def.Bytes(), []byte("{")) {
		writeError(w, http.StatusBadRequest, "invalid input", []nhi.FieldError{{Field: "(body)", Msg: "send one JSON object"}})
		return
	}
	it, errs := s.Catalog.ParseItem(r.Context(), id, def.Bytes())
	if len(errs) > 0 {
		writeError(w, http.StatusBadRequest, "invalid input", fieldErrors(errs))
		return
	}
	sim, err := catalog.Simulate(r.Context(), s.Store, s.Access.Catalog().With(it), id, time.Now(), access.Subject)
	if err != nil {
		s.failAccess(w, err)
		return
	}
	type changed struct {
		Request     string `json:"request"`
		Old         string `json:"old"`
		New         string `json:"new"`
		Explanation string `json:"explanation"`
	}
	type lost struct {
		Grant  string `json:"grant"`
		Holder string `json:"holder"`
		Reason string `json:"reason"`
	}
	out := struct {
		Item             string    `json:"item"`
		Requests         int       `json:"requests"`
		Changed          []changed `json:"changed"`
		Grants           int       `json:"grants"`
		NoLongerEligible []lost    `json:"no_longer_eligible"`
	}{Item: id, Requests: sim.Requests, Grants: sim.Grants, Changed: []changed{}, NoLongerEligible: []lost{}}
	for _, c := range sim.Changed {
		out.Changed = append(out.Changed, changed{Request: c.RequestID, Old: string(c.Old), New: string(c.New), Explanation: c.Explanation})
	}
	for _, l := range sim.NoLongerEligible {
		out.NoLongerEligible = append(out.NoLongerEligible, lost{Grant: l.GrantID, Holder: l.HolderID, Reason: l.Reason})
	}
	writeJSON(w, http.StatusOK, out)
}
