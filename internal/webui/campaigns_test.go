package webui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestCampaignPagesForAuditorsAndAdmins: auditors and admins see the
// campaign list and its progress, which follows the reviewers'
// decisions; a manager gets the not-found page for both.
func TestCampaignPagesForAuditorsAndAdmins(t *testing.T) {
	f := newReviewFixture(t)
	mike := f.as("mike")
	for _, p := range []string{"/campaigns", "/campaigns/" + f.campaign} {
		if resp := mike.Get(f.base + p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("manager GET %s: %d", p, resp.StatusCode)
		}
	}
	alice := f.as("alice")
	list := alice.Get(f.base + "/campaigns")
	if list.StatusCode != http.StatusOK || !strings.Contains(list.Body, `href="/campaigns/`+f.campaign+`">q4</a>`) {
		t.Fatalf("auditor's list: %d %s", list.StatusCode, list.Body)
	}
	detail := alice.Get(f.base + "/campaigns/" + f.campaign).Body
	for _, want := range []string{"0% decided", "6 undecided", "Mike Manager", "Carol CEO", "Nothing revoked so far."} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail before lacks %q", want)
		}
	}
	terry := id(f.items["terry/Payroll (read)"])
	if resp := f.post(mike, "/reviews", url.Values{"csrf_token": {f.csrf(mike)}, "row": {"revoke:" + terry}, "just-" + terry: {"Terry has left"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	detail = f.as("carol").Get(f.base + "/campaigns/" + f.campaign).Body
	for _, want := range []string{"16% decided", "1 revoked, 5 undecided", "Terry Gone", "Terry has left", "at stage close"} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail after lacks %q: %s", want, detail)
		}
	}
	if resp := alice.Get(f.base + "/campaigns/nope"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown campaign: %d", resp.StatusCode)
	}
}
