package api

import (
	"net/http"

	"github.com/syncd-dev/syncd/internal/authz"
	"github.com/syncd-dev/syncd/internal/store"
)

// getNHI: GET /api/v1/nhis/{id}, with its unresolved findings.
func (s *Server) getNHI(w http.ResponseWriter, r *http.Request) {
	n, err := s.Store.GetNHI(r.Context(), r.PathValue("id"))
	if err == nil {
		var o authz.NHI
		if o, err = s.nhiObject(r.Context(), n); err == nil {
			var ok bool
			if ok, err = s.allowed(r, authz.Read, o, "nhi:"+n.ID); err == nil && !ok {
				err = store.ErrNotFound // forbidden looks like unknown
			}
		}
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	fs, err := s.Store.ListFindings(r.Context(), store.FindingQuery{NHIID: n.ID, Limit: store.All})
	if err != nil {
		s.fail(w, err)
		return
	}
	out := NewNHIDoc(n)
	for _, f := range fs {
		out.Findings = append(out.Findings, toFinding(f))
	}
	writeJSON(w, http.StatusOK, out)
}
