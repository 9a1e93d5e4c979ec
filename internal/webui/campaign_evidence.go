package webui

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/authz"
	"github.com/syncd-dev/syncd/internal/evidence"
	"github.com/syncd-dev/syncd/internal/store"
)

// EvidenceExporter writes a campaign's evidence workbook (package
// evidence); store.ErrNotFound for an unknown campaign.
type EvidenceExporter interface {
	ExportCampaign(ctx context.Context, campaignID string, w io.Writer) error
}

// campaignEvidence: GET /campaigns/{id}/evidence.xlsx downloads the signed
// workbook (auditors and administrators).
func (s *Server) campaignEvidence(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	c, err := s.Store.GetCampaign(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r, "Campaign")
		return
	}
	if err != nil {
		s.internal(w, r, "campaign evidence: get", err)
		return
	}
	// All of a campaign's items: its owner, auditors and administrators;
	// anyone else, as for an unknown one.
	if ok, err := s.policy().Allowed(r.Context(), subject(auth.PrincipalFrom(r.Context())), authz.Read, authz.CampaignItems{Campaign: c}); err != nil || !ok {
		if err != nil {
			s.internal(w, r, "campaign evidence: authorize", err)
			return
		}
		s.notFound(w, r, "Campaign")
		return
	}
	err = evidence.ServeWorkbook(w, "campaign-"+id+"-evidence.xlsx", func(out io.Writer) error {
		return s.Evidence.ExportCampaign(r.Context(), id, out)
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.notFound(w, r, "Campaign")
	case err != nil:
		s.internal(w, r, "campaign evidence", err)
	}
}
