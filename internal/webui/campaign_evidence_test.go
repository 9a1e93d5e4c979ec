package webui_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/evidence"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/webui"
)

// storeEvidence exports campaigns from the test store.
type storeEvidence struct {
	ex *evidence.Exporter
	st store.Store
}

func (s storeEvidence) ExportCampaign(ctx context.Context, id string, w io.Writer) error {
	return s.ex.ExportCampaign(ctx, s.st, id, nil, w)
}

func TestCampaignEvidenceDownload(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(nil)
	var campaignID string
	e := newEnvWith(t, false, []string{"hr"}, idpUsers, func(e *env, ctx context.Context) {
		e.seed(ctx)
		at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		c, err := e.store.CreateCampaign(ctx, store.Campaign{Definition: "q4", Period: "2026-Q4", Kind: store.CampaignGrants, State: store.CampaignActive,
			Stages: 1, StartedBy: "schedule", StartedAt: at, StageDueAt: at.Add(time.Hour), DueAt: at.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		campaignID = c.ID
	}, func(e *env, ui *webui.Server) {
		ui.Evidence = storeEvidence{ex: &evidence.Exporter{Key: key, Generator: "test"}, st: e.store}
	})
	path := e.base + "/campaigns/" + campaignID + "/evidence.xlsx"
	for _, user := range []string{"alice", "carol"} { // auditor, admin
		resp := e.as(user).Get(path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", user, resp.StatusCode, resp.Body)
		}
		if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="campaign-`+campaignID+`-evidence.xlsx"` {
			t.Errorf("Content-Disposition %q", cd)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q", cc)
		}
		body := []byte(resp.Body)
		rep, err := evidence.Verify(t.Context(), bytes.NewReader(body), int64(len(body)), evidence.VerifyOptions{PublicKey: key.Public().(ed25519.PublicKey)})
		if err != nil || !rep.SignatureChecked || len(rep.Sheets) != 9 {
			t.Fatalf("%s: downloaded workbook: %+v %v", user, rep, err)
		}
	}
	// As for an unknown campaign: campaigns are not his to see.
	if resp := e.as("mike").Get(path); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a manager: %d", resp.StatusCode)
	}
	if resp := e.as("alice").Get(e.base + "/campaigns/nope/evidence.xlsx"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown campaign: %d", resp.StatusCode)
	}
}
