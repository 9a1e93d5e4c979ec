package api

import "net/http"

type catalogEntryJSON struct {
	ID                    string   `json:"id"`
	Name                  string   `json:"name"`
	Description           string   `json:"description,omitempty"`
	Kind                  string   `json:"kind"`
	Risk                  string   `json:"risk"`
	OwnerID               string   `json:"owner_id"`
	System                string   `json:"system,omitempty"`
	Entitlement           string   `json:"entitlement,omitempty"`
	MaxDurationHours      float64  `json:"max_duration_hours,omitempty"`
	JustificationRequired bool     `json:"justification_required"`
	Environments          []string `json:"environments,omitempty"`
	// For the caller, requesting for themselves now.
	Outcome     string `json:"outcome"`
	Explanation string `json:"explanation"`
	// ByEnvironment: the outcome per environment (an item's default
	// environment may be approved at once while prod needs approval).
	ByEnvironment []envOutcomeJSON `json:"by_environment,omitempty"`
	// Blocked: a request cannot be filed now (one is pending, the item is
	// held); Explanation says why.
	Blocked bool `json:"blocked,omitempty"`
}

type envOutcomeJSON struct {
	Environment string `json:"environment"`
	Outcome     string `json:"outcome"`
	Explanation string `json:"explanation"`
}

// browseCatalog: GET /api/v1/catalog: every live item with what would
// happen if the caller requested it for themselves (per environment), as
// the web catalog shows it (access.Browse, the submission's own decision).
func (s *Server) browseCatalog(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	if !personOnly(w, p) {
		return
	}
	entries, err := s.Access.Browse(r.Context(), p.PersonID)
	if err != nil {
		s.failAccess(w, err)
		return
	}
	out := make([]catalogEntryJSON, len(entries))
	for i, e := range entries {
		it := e.Item
		out[i] = catalogEntryJSON{ID: it.ID, Name: it.Name, Description: it.Description, Kind: it.Kind, Risk: it.Risk, OwnerID: it.OwnerID,
			System: it.Target.System, Entitlement: it.Target.Entitlement, MaxDurationHours: it.MaxDuration.Hours(),
			JustificationRequired: it.JustificationRequired, Environments: it.Environments,
			Outcome: string(e.Outcome), Explanation: e.Explanation, Blocked: e.Blocked}
		for _, v := range e.Environments {
			out[i].ByEnvironment = append(out[i].ByEnvironment, envOutcomeJSON{Environment: v.Environment, Outcome: string(v.Outcome), Explanation: v.Explanation})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"catalog_version": s.Access.Policy().Version, "items": out})
}
