package webui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestCampaignPagesForAuditorsAndAdmins: auditors and admins see the
// campaign list and its progress, which follows the reviewers'
// decisions; a reviewer (mike) sees the campaign with their own items
// only, without its progress or evidence; someone without items in it
// gets the not-found page for list, detail and evidence.
func TestCampaignPagesForAuditorsAndAdmins(t *testing.T) {
	f := newReviewFixture(t)
	rita := f.as("rita")
	for _, p := range []string{"/campaigns", "/campaigns/" + f.campaign, "/campaigns/" + f.campaign + "/evidence.xlsx"} {
		if resp := rita.Get(f.base + p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("non-reviewer GET %s: %d", p, resp.StatusCode)
		}
	}
	mike := f.as("mike")
	mine := mike.Get(f.base + "/campaigns")
	if mine.StatusCode != http.StatusOK || !strings.Contains(mine.Body, `href="/campaigns/`+f.campaign+`">q4</a>`) || !strings.Contains(mine.Body, "4 of yours to decide") ||
		strings.Contains(mine.Body, "<td>6</td>") {
		t.Errorf("reviewer's list: %d %s", mine.StatusCode, mine.Body)
	}
	own := mike.Get(f.base + "/campaigns/" + f.campaign)
	if own.StatusCode != http.StatusOK || !strings.Contains(own.Body, "4 wait for your decision now") || strings.Contains(own.Body, "% decided") ||
		strings.Contains(own.Body, "Carol CEO") || strings.Contains(own.Body, "evidence.xlsx") {
		t.Errorf("reviewer's campaign page: %d %s", own.StatusCode, own.Body)
	}
	if resp := mike.Get(f.base + "/campaigns/" + f.campaign + "/evidence.xlsx"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("reviewer's evidence download: %d", resp.StatusCode)
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
