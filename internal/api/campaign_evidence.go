package api

import (
	"context"
	"io"
	"net/http"

	"github.com/syncd-dev/syncd/internal/evidence"
)

// EvidenceExporter writes a campaign's evidence workbook (package
// evidence); store.ErrNotFound for an unknown campaign.
type EvidenceExporter interface {
	ExportCampaign(ctx context.Context, campaignID string, w io.Writer) error
}

// campaignEvidence: GET /api/v1/campaigns/{id}/evidence.xlsx, for
// auditors and admins: the signed workbook as an attachment, never cached.
func (s *Server) campaignEvidence(w http.ResponseWriter, r *http.Request) {
	c, v, ok := s.campaignFor(w, r)
	if !ok {
		return
	}
	if !v.whole {
		// As for an unknown campaign: its evidence is all of its items.
		writeError(w, http.StatusNotFound, "not found", nil)
		return
	}
	id := c.ID
	if err := evidence.ServeWorkbook(w, "campaign-"+id+"-evidence.xlsx", func(out io.Writer) error {
		return s.Evidence.ExportCampaign(r.Context(), id, out)
	}); err != nil {
		s.fail(w, err)
	}
}
