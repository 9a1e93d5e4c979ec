package webui

import (
	"net/http"

	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/catalog"
)

type lintPage struct {
	Page
	Available bool
	Items     int
	Findings  []catalog.LintFinding
	Errors    int
}

// lint shows the catalog lint to catalog owners, admins and auditors.
func (s *Server) lint(w http.ResponseWriter, r *http.Request) {
	p := auth.PrincipalFrom(r.Context())
	if !p.SeesAll() && !p.Has(auth.RoleCatalogOwner) {
		s.Fail(w, r, http.StatusForbidden, "Not allowed", "The catalog lint is for catalog owners, administrators and auditors.")
		return
	}
	data := lintPage{Page: s.page(r, "Catalog lint", "catalog"), Available: s.Access != nil}
	if s.Access != nil {
		cat := s.Access.Catalog()
		data.Items = len(cat.Items)
		data.Findings = catalog.Lint(cat, func(id string) (string, bool) {
			person, err := s.Store.GetPerson(r.Context(), id)
			if err != nil {
				return "", false
			}
			return string(person.Status), true
		})
		for _, f := range data.Findings {
			if f.Severity == catalog.SeverityError {
				data.Errors++
			}
		}
	}
	s.render(w, r, http.StatusOK, "lint", data)
}
