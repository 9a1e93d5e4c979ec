package api_test

import (
	"context"
	"crypto/ed25519"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/api"
	"github.com/syncd-dev/syncd/internal/evidence"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

type storeEvidence struct {
	ex *evidence.Exporter
	st store.Store
}

func (s storeEvidence) ExportCampaign(ctx context.Context, id string, w io.Writer) error {
	return s.ex.ExportCampaign(ctx, s.st, id, nil, w)
}

func TestCampaignEvidenceOverHTTP(t *testing.T) {
	st := gormtest.SQLite(t)
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	c, err := st.CreateCampaign(t.Context(), store.Campaign{Definition: "q4", Period: "2026-Q4", Kind: store.CampaignGrants, State: store.CampaignActive,
		Stages: 1, StartedBy: "schedule", StartedAt: at, StageDueAt: at.Add(time.Hour), DueAt: at.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	_, key, _ := ed25519.GenerateKey(nil)
	auth := api.AuthenticatorFunc(func(r *http.Request) (api.Principal, error) {
		roles := r.Header.Get("X-Test-Roles")
		if roles == "" {
			return api.Principal{}, api.ErrNoCredentials
		}
		return api.Principal{PersonID: "p1", Roles: strings.Split(roles, ",")}, nil
	})
	mux := http.NewServeMux()
	(&api.Server{Store: st, Auth: auth, Evidence: storeEvidence{ex: &evidence.Exporter{Key: key, Generator: "test"}, st: st}}).Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	get := func(roles, id string) *http.Response {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/api/v1/campaigns/"+id+"/evidence.xlsx", nil)
		req.Header.Set("X-Test-Roles", roles)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	for _, roles := range []string{"auditor", "admin"} {
		resp := get(roles, c.ID)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" ||
			!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment; filename=") {
			t.Fatalf("%s: %d %v", roles, resp.StatusCode, resp.Header)
		}
		path := filepath.Join(t.TempDir(), "e.xlsx")
		body, _ := io.ReadAll(resp.Body)
		if err := os.WriteFile(path, body, 0o600); err != nil {
			t.Fatal(err)
		}
		f, _ := os.Open(path)
		rep, err := evidence.Verify(t.Context(), f, int64(len(body)), evidence.VerifyOptions{PublicKey: key.Public().(ed25519.PublicKey)})
		f.Close()
		if err != nil || !rep.SignatureChecked {
			t.Fatalf("%s: workbook %+v %v", roles, rep, err)
		}
	}
	// As for an unknown campaign: campaigns are not theirs to see.
	if resp := get("catalog-owner", c.ID); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a catalog owner: %d", resp.StatusCode)
	}
	if resp := get("auditor", "missing"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown campaign: %d", resp.StatusCode)
	}
}
