package webui

import (
	"net/http"

	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/authz"
)

// oversee asks the shared policy whether the viewer may read the
// oversight view name (all grants, reports, findings, evidence): admins
// and auditors may. Anyone else gets the not-found page, as for a page
// that does not exist, and false.
func (s *Server) oversee(w http.ResponseWriter, r *http.Request, name string) bool {
	ok, err := s.policy().Allowed(r.Context(), subject(auth.PrincipalFrom(r.Context())), authz.Read, authz.Oversight{Name: name})
	if err != nil {
		s.internal(w, r, name+": authorize", err)
		return false
	}
	if !ok {
		s.notFound(w, r, "Page")
	}
	return ok
}
