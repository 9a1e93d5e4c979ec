package webui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/syncd-dev/syncd/internal/auth/authtest"
	"github.com/syncd-dev/syncd/internal/store"
)

// TestCatalogOwnerPage: the owner of an item sees who waits for it
// (named), who holds it, its lint findings and its changes; anyone else
// sees that they own nothing.
func TestCatalogOwnerPage(t *testing.T) {
	e := newEnvWith(t, false, []string{"hr"}, idpUsers, (*env).seed, withStrictCatalog)
	sam, rita := e.as("sam"), e.as("rita")
	for who, br := range map[string]*authtest.Browser{"sam": sam, "rita": rita} {
		if resp := e.post(br, "/requests", url.Values{"item": {"payroll"}, "justification": {"close of " + who}, "environment": {"prod"}, "csrf_token": {e.csrf(br)}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s submits: %d", who, resp.StatusCode)
		}
	}
	carol := e.as("carol")
	samReq := requestLink.FindStringSubmatch(sam.Get(e.base + "/requests").Body)[1]
	if resp := e.post(carol, "/approvals", url.Values{"request": {samReq}, "decision": {"approve"}, "comment": {"fine"}, "csrf_token": {e.csrf(carol)}}); !strings.Contains(resp.Body, "approved") {
		t.Fatalf("approve: %s", resp.Body)
	}
	if _, err := e.access.ProcessFulfillments(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.PutCatalogItem(t.Context(), store.CatalogItemVersion{ItemID: "payroll", Definition: []byte(`{"id":"payroll"}`), Author: "person:" + e.ids["carol"]}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.CreateCatalogChange(t.Context(), store.CatalogChange{ItemID: "payroll", BaseVersion: 1, Definition: []byte(`{"id":"payroll"}`),
		Reasons: []string{"maximum duration raised"}, Proposer: "person:" + e.ids["mike"], ProposerPerson: e.ids["mike"], State: store.ChangePending}); err != nil {
		t.Fatal(err)
	}

	if cat := carol.Get(e.base + "/catalog"); !strings.Contains(cat.Body, `id="owned-items"`) {
		t.Fatalf("no link to the owner's page: %s", cat.Body)
	}
	page := carol.Get(e.base + "/catalog/mine")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("owner page: %d", page.StatusCode)
	}
	for _, want := range []string{
		"Payroll &lt;b&gt;admin&lt;/b&gt;",                                              // escaped
		`id="pending-payroll"`, "Rita Report", "close of rita", "manager: Mike Manager", // Rita's request waits for Mike
		`id="holders-payroll"`, ">Sam Sales</a>", // Sam holds it
		"Carol CEO changed to version 1", "Mike Manager proposed a loosening change (maximum duration raised); waits for a second person",
	} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("owner page lacks %q", want)
		}
	}
	noIDsShown(t, "owner page", page.Body)
	if other := e.as("mike").Get(e.base + "/catalog/mine"); other.StatusCode != http.StatusOK || !strings.Contains(other.Body, `id="no-items"`) || strings.Contains(other.Body, "Rita Report") {
		t.Fatalf("mike's owner page: %d %s", other.StatusCode, other.Body)
	}
}

// TestBrowserInboxesOnAPhone: at 390 px the approvals inbox, My tasks,
// the audit trail and the owner's page become cards without sideways scrolling,
// and an approval can be made there.
func TestBrowserInboxesOnAPhone(t *testing.T) {
	e := newEnvWith(t, false, []string{"hr"}, idpUsers, (*env).seed, withStrictCatalog)
	sam := e.as("sam")
	if resp := e.post(sam, "/requests", url.Values{"item": {"payroll"}, "justification": {"month end"}, "environment": {"prod"}, "csrf_token": {e.csrf(sam)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d", resp.StatusCode)
	}
	now := time.Now().UTC()
	if _, err := e.store.CreateTask(t.Context(), store.ReownershipTask{NHIID: e.nhis["svc-terry"], FormerOwnerID: e.ids["terry"], Route: store.RouteManager,
		AssigneeID: e.ids["carol"], CreatedAt: now, Deadline: now.Add(72 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	j := newJourney(t, e.base, "phone")
	j.do("narrow the screen", chromedp.EmulateViewport(390, 844))
	j.signIn("carol", "pw-carol")
	for _, pg := range []struct{ name, path, wait string }{
		{"approvals", "/approvals", "approvals-table"},
		{"my tasks", "/tasks", "tasks-table"},
		{"audit", "/audit", "audit-events"},
		{"owned items", "/catalog/mine", "owned-payroll"},
		{"my requests", "/requests", "main"},
	} {
		j.do("open "+pg.name, chromedp.Navigate(e.base+pg.path), chromedp.WaitVisible(chromedp.ID(pg.wait)))
		if !j.noSidewaysScroll() {
			t.Errorf("%s scrolls sideways at 390 px", pg.path)
		}
		if !j.eval(`(() => { const r = document.querySelector("#nav-approvals").getBoundingClientRect(); return r.width > 0 && r.right <= window.innerWidth; })()`) {
			t.Errorf("%s: Approvals is off the navigation at 390 px", pg.path)
		}
	}
	j.do("approve on the phone",
		chromedp.Navigate(e.base+"/approvals"),
		chromedp.WaitVisible(chromedp.ID("approvals-table")),
		chromedp.Click(chromedp.CSS(`input[name="request"]`)),
		chromedp.SendKeys(chromedp.ID("comment"), "month end is fine"),
		chromedp.Click(chromedp.ID("approve-selected")),
		chromedp.WaitVisible(chromedp.ID("results")),
	)
	if s := j.text("#results"); !strings.Contains(s, "Payroll <b>admin</b> for Sam Sales: approved") {
		t.Fatalf("result: %q", s)
	}
}
