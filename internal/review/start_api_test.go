package review_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/api"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// gatedCatalog holds generation (which reads the catalog for every page)
// until the gate opens.
type gatedCatalog struct {
	cat  *catalog.Catalog
	gate chan struct{}
}

func (g gatedCatalog) Catalog() *catalog.Catalog {
	<-g.gate
	return g.cat
}

// TestStartCampaignAnswersBeforeGeneration: POST /api/v1/campaigns
// answers 202 with the campaign id while generation is still held; the
// campaign becomes active with its whole population once generation
// runs, in the background.
func TestStartCampaignAnswersBeforeGeneration(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		clk := newClock()
		ids := loadOrg(t, identityService(t, st, clk.Now), smallOrg)
		cat := testCatalog(ids)
		for _, who := range []string{"dana", "fred"} {
			grant(t, st, "payroll-admin", ids[who], store.AssuranceApproved, clk.Now().Add(-time.Hour))
		}
		def := review.Definition{Name: "high-risk", Kind: store.CampaignGrants, Scope: `grant.risk == "high"`,
			Stages:  []review.Stage{{Reviewers: []string{"item-owner"}, Duration: 7 * 24 * time.Hour}},
			Default: review.Default{Action: review.DefaultKeep}}
		svc := newService(t, st, cat, clk, def)
		gate := gatedCatalog{cat: cat, gate: make(chan struct{})}
		svc.Catalog = gate
		var once sync.Once
		open := func() { once.Do(func() { close(gate.gate) }) }
		t.Cleanup(func() { open(); svc.Wait() })
		mux := http.NewServeMux()
		(&api.Server{Store: st, Review: svc, Auth: api.AuthenticatorFunc(testAuth)}).Register(mux)
		hs := httptest.NewServer(mux)
		t.Cleanup(hs.Close)
		c := apiClient{t: t, url: hs.URL}

		type answer struct {
			code int
			body struct{ ID, State string }
			err  error
		}
		done := make(chan answer, 1)
		go func() {
			var a answer
			req, _ := http.NewRequestWithContext(ctx, "POST", hs.URL+"/api/v1/campaigns", strings.NewReader(`{"definition":"high-risk"}`))
			req.Header.Set("X-Test-As", "admin")
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				a.err = err
				done <- a
				return
			}
			defer resp.Body.Close()
			a.code, a.err = resp.StatusCode, json.NewDecoder(resp.Body).Decode(&a.body)
			done <- a
		}()
		var a answer
		select {
		case a = <-done:
		case <-time.After(20 * time.Second):
			open()
			<-done
			t.Fatal("POST /api/v1/campaigns waited for generation")
		}
		if a.err != nil || a.code != http.StatusAccepted || a.body.ID == "" || a.body.State != string(store.CampaignGenerating) {
			t.Fatalf("answer %d %+v (%v), want 202 with the id of a generating campaign", a.code, a.body, a.err)
		}
		started := a.body

		open()
		svc.Wait()
		var status review.Status
		c.do("GET", "/api/v1/campaigns/"+started.ID, "admin", nil, http.StatusOK, &status)
		if status.State != string(store.CampaignActive) || status.Total != 2 || status.Undecided != 2 {
			t.Fatalf("after background generation: %+v", status)
		}
	})
}
