package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"

	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
)

// catalogChangeJSON is one governed (four-eyes) change of an item.
type catalogChangeJSON struct {
	ID             string   `json:"id"`
	Item           string   `json:"item"`
	BaseVersion    int      `json:"base_version"`
	State          string   `json:"state"`
	Reasons        []string `json:"reasons"`
	Proposer       string   `json:"proposer"`
	DecidedBy      string   `json:"decided_by,omitempty"`
	DecidedAt      string   `json:"decided_at,omitempty"`
	Comment        string   `json:"comment,omitempty"`
	AppliedVersion int      `json:"applied_version,omitempty"`
	Retired        bool     `json:"retired"`
	CreatedAt      string   `json:"created_at"`
	Definition     rawJSON  `json:"definition,omitempty"`
}

const stamp = "2006-01-02T15:04:05.999999Z"

func toCatalogChange(c store.CatalogChange) catalogChangeJSON {
	out := catalogChangeJSON{ID: c.ID, Item: c.ItemID, BaseVersion: c.BaseVersion, State: c.State, Reasons: c.Reasons,
		Proposer: c.Proposer, DecidedBy: c.DecidedBy, Comment: c.Comment, AppliedVersion: c.AppliedVersion, Retired: c.Retired,
		CreatedAt: c.CreatedAt.UTC().Format(stamp), Definition: c.Definition}
	if c.DecidedAt != nil {
		out.DecidedAt = c.DecidedAt.UTC().Format(stamp)
	}
	if out.Reasons == nil {
		out.Reasons = []string{}
	}
	return out
}

// catalogActor is p as the catalog's change flow sees it: a token acts for
// its owner.
func catalogActor(p Principal) catalog.Actor {
	return catalog.Actor{Actor: p.Actor(), PersonID: p.PersonID, Admin: p.Admin()}
}

// failCatalog maps the change flow's refusals onto responses, each with
// its reason.
func (s *Server) failCatalog(w http.ResponseWriter, err error) {
	var le *catalog.LintError
	switch {
	case errors.As(err, &le):
		findings := make([]string, len(le.Findings))
		for i, f := range le.Findings {
			findings[i] = f.String()
		}
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "the proposed version fails lint; it cannot be approved", "findings": findings})
	case errors.Is(err, catalog.ErrForbidden):
		writeError(w, http.StatusForbidden, publicMessage(err, "not allowed"), nil)
	case errors.Is(err, catalog.ErrNotPending), errors.Is(err, catalog.ErrStale), errors.Is(err, catalog.ErrInvalid):
		writeError(w, http.StatusConflict, publicMessage(err, "the change cannot be applied"), nil)
	default:
		s.fail(w, err)
	}
}

// mayReadChanges: admins, auditors and catalog owners see changes.
func mayReadChanges(w http.ResponseWriter, p Principal) bool {
	if p.seesAll() || slices.Contains(p.Roles, RoleCatalogOwner) {
		return true
	}
	writeError(w, http.StatusForbidden, "catalog changes are for admins, auditors and catalog owners", nil)
	return false
}

// listCatalogChanges: GET /api/v1/catalog/changes[?state=pending|approved|rejected].
func (s *Server) listCatalogChanges(w http.ResponseWriter, r *http.Request) {
	if !mayReadChanges(w, principalFrom(r.Context())) {
		return
	}
	state := r.URL.Query().Get("state")
	if state != "" && !slices.Contains([]string{store.ChangePending, store.ChangeApproved, store.ChangeRejected}, state) {
		writeError(w, http.StatusBadRequest, "invalid input", []nhi.FieldError{{Field: "state", Msg: "must be pending, approved or rejected"}})
		return
	}
	cs, err := s.Catalog.Changes(r.Context(), state)
	if err != nil {
		s.fail(w, err)
		return
	}
	out := make([]catalogChangeJSON, len(cs))
	for i, c := range cs {
		out[i] = toCatalogChange(c)
	}
	writeJSON(w, http.StatusOK, map[string]any{"changes": out})
}

// getCatalogChange: GET /api/v1/catalog/changes/{id}.
func (s *Server) getCatalogChange(w http.ResponseWriter, r *http.Request) {
	if !mayReadChanges(w, principalFrom(r.Context())) {
		return
	}
	c, err := s.Catalog.Change(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"change": toCatalogChange(c)})
}

// decisionComment reads the optional body {"comment": "..."}.
func decisionComment(w http.ResponseWriter, r *http.Request) (string, bool) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var body struct {
		Comment string `json:"comment"`
	}
	if err == nil && len(raw) > 0 {
		err = json.Unmarshal(raw, &body)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid input", []nhi.FieldError{{Field: "(body)", Msg: "send {\"comment\": \"...\"} or nothing"}})
		return "", false
	}
	return body.Comment, true
}

// approveCatalogChange: POST /api/v1/catalog/changes/{id}/approve: another
// owner of the item or an admin, never the proposer, applies a pending
// change once its proposed version passes lint.
func (s *Server) approveCatalogChange(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	if !mayEditCatalog(w, p) {
		return
	}
	comment, ok := decisionComment(w, r)
	if !ok {
		return
	}
	c, v, applied, err := s.Catalog.Approve(r.Context(), catalogActor(p), r.PathValue("id"), comment)
	if err != nil {
		s.failCatalog(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"change": toCatalogChange(c), "version": toCatalogVersion(v), "applied": applied,
		"catalog_version": s.Access.Policy().Version})
}

// rejectCatalogChange: POST /api/v1/catalog/changes/{id}/reject.
func (s *Server) rejectCatalogChange(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	if !mayEditCatalog(w, p) {
		return
	}
	comment, ok := decisionComment(w, r)
	if !ok {
		return
	}
	c, err := s.Catalog.Reject(r.Context(), catalogActor(p), r.PathValue("id"), comment)
	if err != nil {
		s.failCatalog(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"change": toCatalogChange(c)})
}
