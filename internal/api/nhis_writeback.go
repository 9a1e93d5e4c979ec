package api

import "net/http"

// writeOwnerBack: POST /api/v1/nhis/{id}/write-owner-back writes the
// NHI's owner to its source (an LDAP source with write credentials), so
// the directory names the owner syncd decided on. The owner or an admin
// may. 409 when the source has no write credentials or the owner no entry
// in it.
func (s *Server) writeOwnerBack(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	n, err := s.NHI.WriteOwnerBack(r.Context(), p.Actor(), r.PathValue("id"), s.canNHI(r))
	if err != nil {
		s.denied(r, err, "nhi:"+r.PathValue("id"), "nhi")
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, NewNHIDoc(n))
}
