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
	"github.com/syncd-dev/syncd/internal/webui"
)

// withRonsCatalog: "reports" is owned by ron, who is no approver of it
// (sam's manager, carol, approves).
func withRonsCatalog(e *env, ui *webui.Server) {
	cat := &catalog.Catalog{Items: []catalog.Item{{ItemSpec: policy.ItemSpec{
		ID: "reports", Name: "Sales reports", Kind: "app-role", Risk: policy.RiskLow, OwnerID: e.ids["ron"],
		Eligibility: policy.Eligibility{Departments: []string{"Sales"}},
		Stages:      []policy.StageSpec{{Name: "manager", Approvers: []policy.ApproverSpec{{Manager: true}}}},
		MaxDuration: 30 * 24 * time.Hour}, Fulfillment: catalog.Fulfillment{Type: "manual"}}}}
	svc, err := access.NewService(e.store, cat, map[string]access.Fulfiller{"manual": access.Manual{}}, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	ui.Access, e.access = svc, svc
}

// TestItemOwnerSeesButDoesNotDecide: the owner of a catalog item reads
// the requests for it (authz.SeesRequest, applied by package access) but,
// not being an approver, cannot decide them by any path; someone neither
// involved nor owner does not learn the request exists.
func TestItemOwnerSeesButDoesNotDecide(t *testing.T) {
	e := newEnvWith(t, false, []string{"hr"}, idpUsers, (*env).seed, withRonsCatalog)
	sam := e.as("sam")
	if resp := e.post(sam, "/requests", url.Values{"item": {"reports"}, "justification": {"pipeline review"}, "csrf_token": {e.csrf(sam)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", resp.StatusCode, resp.Body)
	}
	m := requestLink.FindStringSubmatch(sam.Get(e.base + "/requests").Body)
	if m == nil {
		t.Fatal("no request filed")
	}
	id := m[1]
	ron := e.as("ron")
	page := ron.Get(e.base + "/requests/" + id)
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, "pipeline review") || strings.Contains(page.Body, `id="approve"`) {
		t.Fatalf("item owner's view: %d %s", page.StatusCode, page.Body)
	}
	resp := e.post(ron, "/approvals", url.Values{"request": {id}, "decision": {"approve"}, "csrf_token": {e.csrf(ron)}})
	if strings.Contains(resp.Body, ": approved") {
		t.Fatalf("the item owner approved: %d %s", resp.StatusCode, resp.Body)
	}
	if st := sam.Get(e.base + "/requests/" + id).Body; !strings.Contains(st, `id="state">pending`) {
		t.Fatalf("request no longer pending after the owner's attempt: %s", st)
	}
	// The decision's technical record (rule, catalog version hash) is for
	// admins, auditors and catalog owners, not the requester.
	if page := sam.Get(e.base + "/requests/" + id).Body; strings.Contains(page, `id="technical"`) {
		t.Error("the requester sees the technical record")
	}
	if page := e.as("alice").Get(e.base + "/requests/" + id).Body; !strings.Contains(page, `id="technical"`) {
		t.Error("the auditor lacks the technical record")
	}
	if resp := e.as("rita").Get(e.base + "/requests/" + id); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("uninvolved rita: %d", resp.StatusCode)
	}
}
