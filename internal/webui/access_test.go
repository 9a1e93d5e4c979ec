package webui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/webui"
)

// withCatalog serves one item, "reports": owned by carol, for Sales, approved
// by the requester's manager.
func withCatalog(e *env, ui *webui.Server) {
	cat := &catalog.Catalog{Items: []catalog.Item{{ItemSpec: policy.ItemSpec{
		ID: "reports", Name: "Sales reports", Kind: "app-role", Risk: policy.RiskLow, OwnerID: e.ids["carol"],
		Eligibility: policy.Eligibility{Departments: []string{"Sales"}},
		Stages:      []policy.StageSpec{{Name: "manager", Approvers: []policy.ApproverSpec{{Manager: true}}}},
		MaxDuration: 30 * 24 * time.Hour}, Fulfillment: catalog.Fulfillment{Type: "manual"}},
		{ItemSpec: policy.ItemSpec{
			ID: "svc-role", Name: "Service account role", Kind: "service-account-role", Risk: policy.RiskLow, OwnerID: e.ids["carol"],
			Eligibility: policy.Eligibility{When: `request.nhi.kind == "service-account"`},
			Stages:      []policy.StageSpec{{Name: "owner", Approvers: []policy.ApproverSpec{{ItemOwner: true}}}},
			MaxDuration: 30 * 24 * time.Hour}, Fulfillment: catalog.Fulfillment{Type: "manual"}}}}
	svc, err := access.NewService(e.store, cat, map[string]access.Fulfiller{"manual": access.Manual{}}, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	ui.Access = svc
	e.access = svc
}

var requestLink = regexp.MustCompile(`href="/requests/([0-9a-f-]{36})"`)

func TestRequestAndApproveThroughPages(t *testing.T) {
	e := newEnvWith(t, false, []string{"hr"}, idpUsers, (*env).seed, withCatalog)

	rita := e.as("rita")
	// Ron owns no NHI: an item he may not request shows no form.
	if page := e.as("ron").Get(e.base + "/catalog"); page.StatusCode != 200 || !strings.Contains(page.Body, "Ron Deep is not eligible for Sales reports") || strings.Contains(page.Body, `id="request-reports"`) {
		t.Fatalf("ron's catalog: %d %s", page.StatusCode, page.Body)
	}

	sam := e.as("sam")
	page := sam.Get(e.base + "/catalog")
	if !strings.Contains(page.Body, "Needs approval</span> Sam Sales is in department Sales") || !strings.Contains(page.Body, `id="request-reports"`) {
		t.Fatalf("sam's catalog: %s", page.Body)
	}
	// Without the form token the request is refused and nothing is stored.
	if resp := e.post(sam, "/requests", url.Values{"item": {"reports"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("request without CSRF token: %d", resp.StatusCode)
	}
	resp := e.post(sam, "/requests", url.Values{"item": {"reports"}, "justification": {"pipeline review"}, "csrf_token": {e.csrf(sam)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", resp.StatusCode, resp.Body)
	}
	mine := sam.Get(e.base + "/requests")
	m := requestLink.FindStringSubmatch(mine.Body)
	if m == nil {
		t.Fatalf("my requests: %s", mine.Body)
	}
	id := m[1]
	if page := sam.Get(e.base + "/requests/" + id); !strings.Contains(page.Body, `id="state">pending`) || !strings.Contains(page.Body, "pipeline review") {
		t.Fatalf("request page: %s", page.Body)
	}

	// Only those involved see it; the manager may decide, the requester not.
	if resp := e.as("mike").Get(e.base + "/requests/" + id); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("uninvolved mike: %d", resp.StatusCode)
	}
	if strings.Contains(sam.Get(e.base+"/requests/"+id).Body, `id="approve"`) {
		t.Fatal("the requester is offered to approve their own request")
	}
	if resp := e.post(sam, "/approvals", url.Values{"request": {id}, "decision": {"approve"}, "csrf_token": {e.csrf(sam)}}); !strings.Contains(resp.Body, "Sales reports for Sam Sales: Nobody decides on a request they made or benefit from.") {
		t.Fatalf("self-approval through the form: %d %s", resp.StatusCode, resp.Body)
	}

	carol := e.as("carol")
	home := carol.Get(e.base + "/").Body
	if !strings.Contains(home, `<span class="n">1</span> request waits for your approval`) || !strings.Contains(home, `aria-label="1 pending"`) ||
		strings.Contains(home, "will appear here once") {
		t.Fatalf("carol's home: %s", home)
	}
	inbox := carol.Get(e.base + "/approvals")
	for _, want := range []string{`value="` + id + `"`, "Sales reports", "low risk", "For <a href=\"/people/" + e.ids["sam"] + "\">Sam Sales</a>", "pipeline review", "manager: Carol CEO"} {
		if !strings.Contains(inbox.Body, want) {
			t.Errorf("carol's inbox lacks %q", want)
		}
	}
	if strings.Contains(inbox.Body, ">"+e.ids["sam"]+"<") {
		t.Error("carol's inbox shows an id for a person")
	}
	// A denial without a comment is a form error: red, the selection kept.
	deny := e.post(carol, "/approvals", url.Values{"request": {id}, "decision": {"deny"}, "comment": {""}, "csrf_token": {e.csrf(carol)}})
	if deny.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(deny.Body, "A denial needs a comment.") || !strings.Contains(deny.Body, `class="error-box"`) ||
		strings.Contains(deny.Body, "invalid request") || !strings.Contains(deny.Body, `id="select-`+id+`" aria-label="Select Sales reports for Sam Sales" checked`) {
		t.Fatalf("deny without comment: %d %s", deny.StatusCode, deny.Body)
	}
	if !strings.Contains(inbox.Body, `value="`+id+`"`) {
		t.Fatalf("carol's inbox: %s", inbox.Body)
	}
	resp = e.post(carol, "/approvals", url.Values{"request": {id}, "decision": {"approve"}, "csrf_token": {e.csrf(carol)}})
	if !strings.Contains(resp.Body, "Sales reports for Sam Sales: approved") || !strings.Contains(resp.Body, `class="flash"`) {
		t.Fatalf("bulk approve: %d %s", resp.StatusCode, resp.Body)
	}
	if _, err := e.access.ProcessFulfillments(t.Context()); err != nil {
		t.Fatal(err)
	}
	if home := sam.Get(e.base + "/").Body; !strings.Contains(home, "Sales reports") || !strings.Contains(home, `id="my-grants"`) || strings.Contains(home, "Grants will be listed") {
		t.Fatalf("sam's home lacks the grant: %s", home)
	}
	if mine := sam.Get(e.base + "/requests"); !strings.Contains(mine.Body, "approved") || !strings.Contains(mine.Body, "awaiting-confirmation") {
		t.Fatalf("sam after approval: %s", mine.Body)
	}
	// Carol owns the item: she confirms the manual fulfillment, then Sam
	// may ask for an extension, which is a new request.
	grantID := regexp.MustCompile(`action="/grants/([0-9a-f-]{36})/confirm"`).FindStringSubmatch(carol.Get(e.base + "/approvals").Body)
	if grantID == nil {
		t.Fatal("carol has nothing to confirm")
	}
	if resp := e.post(sam, "/grants/"+grantID[1]+"/confirm", url.Values{"csrf_token": {e.csrf(sam)}}); !strings.Contains(resp.Body, "Nobody confirms their own grant") {
		t.Fatalf("holder confirmed own grant: %s", resp.Body)
	}
	if resp := e.post(carol, "/grants/"+grantID[1]+"/confirm", url.Values{"csrf_token": {e.csrf(carol)}}); !strings.Contains(resp.Body, "Fulfillment confirmed, grant active") {
		t.Fatalf("confirm: %s", resp.Body)
	}
	// An impossible or earlier end is a form error on My requests with
	// the input kept; no extension request is stored.
	before, _ := e.store.ListRequests(t.Context(), store.RequestQuery{RequesterID: e.ids["sam"]})
	for _, tc := range []struct{ end, want string }{
		{"2026-02-30", "There is no such date."},
		{time.Now().AddDate(0, 0, -1).Format("2006-01-02"), "Choose a day after the grant&#39;s current end"},
	} {
		resp := e.post(sam, "/grants/"+grantID[1]+"/extend", url.Values{"end": {tc.end}, "justification": {"Q4 <close>"}, "csrf_token": {e.csrf(sam)}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, `id="err-end-`+grantID[1]+`"`) || !strings.Contains(resp.Body, tc.want) ||
			!strings.Contains(resp.Body, `value="`+tc.end+`"`) || !strings.Contains(resp.Body, `value="Q4 &lt;close&gt;"`) {
			t.Fatalf("extend to %s: %d %s", tc.end, resp.StatusCode, resp.Body)
		}
	}
	if after, _ := e.store.ListRequests(t.Context(), store.RequestQuery{RequesterID: e.ids["sam"]}); len(after) != len(before) {
		t.Fatalf("a failed extension stored a request: %d → %d", len(before), len(after))
	}
	until := time.Now().AddDate(0, 0, 45).Format("2006-01-02")
	if resp := e.post(sam, "/grants/"+grantID[1]+"/extend", url.Values{"end": {until}, "justification": {"Q4"}, "csrf_token": {e.csrf(sam)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("extend: %d %s", resp.StatusCode, resp.Body)
	}
	if resp := e.post(rita, "/grants/"+grantID[1]+"/extend", url.Values{"end": {until}, "csrf_token": {e.csrf(rita)}}); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("someone else's grant extended: %d", resp.StatusCode)
	}
	// The lint page is for catalog owners, admins and auditors.
	if resp := sam.Get(e.base + "/catalog/lint"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("lint as sam: %d", resp.StatusCode)
	}
	if resp := carol.Get(e.base + "/catalog/lint"); resp.StatusCode != 200 || !strings.Contains(resp.Body, "2 item(s)") {
		t.Fatalf("lint as carol: %d %s", resp.StatusCode, resp.Body)
	}
}

// TestRequestForAnOwnedNHIThroughPages: the catalog form offers the NHIs
// the viewer owns; a request for one is the NHI's, and nobody else may ask
// for it.
func TestRequestForAnOwnedNHIThroughPages(t *testing.T) {
	e := newEnvWith(t, false, []string{"hr"}, idpUsers, (*env).seed, withCatalog)
	mike := e.as("mike")
	page := mike.Get(e.base + "/catalog")
	if !strings.Contains(page.Body, `value="nhi:`+e.nhis["svc-mike"]+`"`) {
		t.Fatalf("mike's NHIs not offered: %s", page.Body)
	}
	resp := e.post(mike, "/requests", url.Values{"item": {"svc-role"}, "beneficiary": {"nhi:" + e.nhis["svc-mike"]}, "csrf_token": {e.csrf(mike)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("request for svc-mike: %d %s", resp.StatusCode, resp.Body)
	}
	sam := e.as("sam")
	resp = e.post(sam, "/requests", url.Values{"item": {"svc-role"}, "beneficiary": {"nhi:" + e.nhis["svc-mike"]}, "csrf_token": {e.csrf(sam)}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("sam asked for mike's NHI: %d", resp.StatusCode)
	}
	inbox := e.as("carol").Get(e.base + "/approvals")
	if !strings.Contains(inbox.Body, "Service account role") || !strings.Contains(inbox.Body, "svc-mike (owned by Mike Manager)") {
		t.Fatalf("carol's inbox lacks the NHI request: %s", inbox.Body)
	}
}
