package webui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/webui"
)

// withEnvCatalog: "wiki" is open to everyone, approved at once outside
// prod by a CEL condition and by the manager in prod; "reports" is for
// Sales only.
func withEnvCatalog(e *env, ui *webui.Server) {
	cat := &catalog.Catalog{Items: []catalog.Item{{ItemSpec: policy.ItemSpec{
		ID: "wiki", Name: "Team wiki", Kind: "app-role", Risk: policy.RiskLow, OwnerID: e.ids["carol"],
		Environments: []string{"dev", "prod"},
		AutoApprove:  &policy.Condition{When: `request.environment != "prod"`},
		Stages:       []policy.StageSpec{{Name: "manager", Approvers: []policy.ApproverSpec{{Manager: true}}}},
		MaxDuration:  30 * 24 * time.Hour}, Description: "Engineering handbook", Fulfillment: catalog.Fulfillment{Type: "manual"}},
		{ItemSpec: policy.ItemSpec{
			ID: "reports", Name: "Sales reports", Kind: "app-role", Risk: policy.RiskHigh, OwnerID: e.ids["sam"],
			Eligibility: policy.Eligibility{Departments: []string{"Sales"}},
			Stages:      []policy.StageSpec{{Name: "manager", Approvers: []policy.ApproverSpec{{Manager: true}}}},
			MaxDuration: 30 * 24 * time.Hour}, Fulfillment: catalog.Fulfillment{Type: "manual"}}}}
	svc, err := access.NewService(e.store, cat, map[string]access.Fulfiller{"manual": access.Manual{}}, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	ui.Access, e.access = svc, svc
}

// TestCatalogSaysWhatEachEnvironmentGets: the catalog's verdicts come from
// the submission's own decision, per environment and in words: the
// default environment approved at once while prod needs approval; no CEL
// and no version hash for a requester (behind a details element for an
// admin); an item the viewer is not eligible for has no Request button
// and says why; submitting it anyway is a form error and stores nothing;
// search and grouping by owner and risk.
func TestCatalogSaysWhatEachEnvironmentGets(t *testing.T) {
	e := newEnvWith(t, false, []string{"hr"}, idpUsers, (*env).seed, withEnvCatalog)
	ron := e.as("ron")
	page := ron.Get(e.base + "/catalog")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("catalog: %d", page.StatusCode)
	}
	body := page.Body
	version := e.access.Policy().Version
	for _, want := range []string{
		`<strong>dev</strong>: <span class="badge badge-auto-approve">Approved at once</span> The item is open to everyone; Ron Deep meets the item&#39;s auto-approval condition; item risk low.`,
		`<strong>prod</strong>: <span class="badge badge-approval">Needs approval</span>`,
		"stage manager: 1 of [Rita Report]",
		`<span class="badge badge-deny">Not available to you</span> Ron Deep is not eligible for Sales reports`,
		`id="why-reports">You cannot request this for yourself.`,
		`id="request-wiki"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("ron's catalog lacks %q: %s", want, body)
		}
	}
	for _, bad := range []string{`id="request-reports"`, `id="form-reports"`, "request.environment", version, "auto-approved:", "needs approval:"} {
		if strings.Contains(body, bad) {
			t.Errorf("ron's catalog shows %q", bad)
		}
	}

	// Submitting the item anyway: a form error by the form, nothing stored.
	resp := e.post(ron, "/requests", url.Values{"item": {"reports"}, "justification": {"please"}, "csrf_token": {e.csrf(ron)}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, `id="error-reports">You cannot request Sales reports: Ron Deep is not eligible for Sales reports`) ||
		!strings.Contains(resp.Body, `value="please"`) {
		t.Fatalf("ineligible submission: %d %s", resp.StatusCode, resp.Body)
	}
	if rs, err := e.store.ListRequests(t.Context(), store.RequestQuery{Limit: 10}); err != nil || len(rs) != 0 {
		t.Fatalf("stored requests after a refused submission: %v %v", rs, err)
	}
	// The eligible environment files as the catalog said.
	resp = e.post(ron, "/requests", url.Values{"item": {"wiki"}, "environment": {"dev"}, "csrf_token": {e.csrf(ron)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("dev request: %d %s", resp.StatusCode, resp.Body)
	}
	if rs, err := e.store.ListRequests(t.Context(), store.RequestQuery{Limit: 10}); err != nil || len(rs) != 1 || rs[0].State != store.RequestApproved {
		t.Fatalf("dev request: %+v %v", rs, err)
	}

	// An admin sees the condition and the version behind details.
	admin := e.as("carol").Get(e.base + "/catalog").Body
	if !strings.Contains(admin, `<summary>Catalog conditions that held</summary><p><code>request.environment != &#34;prod&#34;</code>`) || !strings.Contains(admin, version) {
		t.Errorf("admin's catalog lacks the condition or version: %s", admin)
	}

	// Search and grouping.
	found := ron.Get(e.base + "/catalog?q=handbook").Body
	if !strings.Contains(found, "1 of 2 items match") || !strings.Contains(found, `id="item-wiki"`) || strings.Contains(found, `id="item-reports"`) {
		t.Errorf("search: %s", found)
	}
	if none := ron.Get(e.base + "/catalog?q=nothing-like-this").Body; !strings.Contains(none, `id="catalog-empty"`) {
		t.Errorf("search without hits: %s", none)
	}
	byOwner := ron.Get(e.base + "/catalog?group=owner").Body
	if i, j := strings.Index(byOwner, "Owned by Carol CEO"), strings.Index(byOwner, "Owned by Sam Sales"); i < 0 || j < i ||
		!(i < strings.Index(byOwner, `id="item-wiki"`) && strings.Index(byOwner, `id="item-wiki"`) < j && j < strings.Index(byOwner, `id="item-reports"`)) {
		t.Errorf("grouped by owner: %s", byOwner)
	}
	byRisk := ron.Get(e.base + "/catalog?group=risk&q=sales").Body
	if !strings.Contains(byRisk, `<h2 class="catalog-group">Risk high</h2>`) || strings.Contains(byRisk, "Risk low") {
		t.Errorf("grouped by risk, searched: %s", byRisk)
	}
}
