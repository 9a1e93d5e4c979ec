package webui

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/syncd-dev/syncd/internal/auth"
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
	if !auth.PrincipalFrom(r.Context()).SeesAll() {
		s.notFound(w, r, "Campaign") // as for an unknown one: campaigns are for auditors and administrators
		return
	}
	id := r.PathValue("id")
	err := evidence.ServeWorkbook(w, "campaign-"+id+"-evidence.xlsx", func(out io.Writer) error {
		return s.Evidence.ExportCampaign(r.Context(), id, out)
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.notFound(w, r, "Campaign")
	case err != nil:
		s.internal(w, r, "campaign evidence", err)
	}
}
