package webui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/syncd-dev/syncd/internal/auth/authtest"
)

var (
	tags     = regexp.MustCompile(`(?s)<[^>]*>`)
	anyUUID  = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	hiddenJS = regexp.MustCompile(`(?s)<(script|style)[^>]*>.*?</(script|style)>`)
)

// noIDsShown fails when the text a person reads (tags stripped, links
// and form values are fine) shows an id.
func noIDsShown(t *testing.T, what, body string) {
	t.Helper()
	text := tags.ReplaceAllString(hiddenJS.ReplaceAllString(body, ""), " ")
	if id := anyUUID.FindString(text); id != "" {
		i := strings.Index(text, id)
		t.Errorf("%s shows the id %s: …%s…", what, id, text[max(0, i-80):min(len(text), i+80)])
	}
}

// TestRequestPagesShowNames: the request page, My requests and the
// approvals inbox name the requester, the beneficiary, the approvers,
// who decided and the item, for everyone who sees them; the state reads
// as it is now, with its colour class and icon.
func TestRequestPagesShowNames(t *testing.T) {
	e := newEnvWith(t, false, []string{"hr"}, idpUsers, (*env).seed, withStrictCatalog)
	sam := e.as("sam")
	resp := e.post(sam, "/requests", url.Values{"item": {"payroll"}, "justification": {"month end"}, "environment": {"prod"}, "csrf_token": {e.csrf(sam)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", resp.StatusCode, resp.Body)
	}
	id := requestLink.FindStringSubmatch(sam.Get(e.base + "/requests").Body)[1]
	carol, alice := e.as("carol"), e.as("alice")
	check := func(who string, b *authtest.Browser, path string, want ...string) string {
		t.Helper()
		page := b.Get(e.base + path)
		if page.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d", who, path, page.StatusCode)
		}
		for _, w := range want {
			if !strings.Contains(page.Body, w) {
				t.Errorf("%s %s lacks %q", who, path, w)
			}
		}
		if strings.Contains(page.Body, "<b>admin</b>") {
			t.Errorf("%s %s: an item name was not escaped", who, path)
		}
		noIDsShown(t, who+" "+path, page.Body)
		return page.Body
	}
	pending := []string{"Request for Payroll &lt;b&gt;admin&lt;/b&gt;", `class="badge badge-req-pending">● pending`,
		"Waiting for approval at stage “manager” by Carol CEO", ">Sam Sales</a> on ", "manager: Carol CEO <strong>(now)</strong>"}
	for who, b := range map[string]*authtest.Browser{"sam": sam, "carol": carol, "alice": alice} {
		check(who, b, "/requests/"+id, pending...)
	}
	check("sam", sam, "/requests", "Payroll &lt;b&gt;admin&lt;/b&gt;", "● pending")
	check("carol", carol, "/approvals", "Payroll &lt;b&gt;admin&lt;/b&gt;", "Sam Sales", "manager: Carol CEO")
	if resp := e.post(carol, "/approvals", url.Values{"request": {id}, "decision": {"approve"}, "comment": {"ok for month end"}, "csrf_token": {e.csrf(carol)}}); !strings.Contains(resp.Body, "Payroll &lt;b&gt;admin&lt;/b&gt; for Sam Sales: approved") {
		t.Fatalf("approve: %d %s", resp.StatusCode, resp.Body)
	}
	approved := []string{`class="badge badge-req-approved">✓ approved`, "Approved by Carol CEO", `<td data-label="Stage">manager</td><td data-label="Who"><a href="/people/` + e.ids["carol"] + `">Carol CEO</a></td>`, "ok for month end"}
	for who, b := range map[string]*authtest.Browser{"sam": sam, "carol": carol, "alice": alice} {
		body := check(who, b, "/requests/"+id, approved...)
		if strings.Contains(body, "Waiting for approval") {
			t.Errorf("%s: an approved request still reads as waiting", who)
		}
	}
	check("sam", sam, "/requests", "✓ approved")
}

// TestEveryPageShowsNames walks every page of the navigation, and the
// detail pages it links to, as each login: no page shows an id where a
// name belongs.
func TestEveryPageShowsNames(t *testing.T) {
	f := newReviewFixtureWith(t, withStrictCatalog)
	sam := f.as("sam")
	if resp := f.post(sam, "/requests", url.Values{"item": {"payroll"}, "justification": {"month end"}, "environment": {"prod"}, "csrf_token": {f.csrf(sam)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d", resp.StatusCode)
	}
	link := regexp.MustCompile(`href="(/(?:people|nhis|requests|campaigns)/[^"?#/]+)"`)
	for _, who := range []string{"carol", "alice", "mike", "rita", "sam"} {
		b := f.as(who)
		seen := map[string]bool{}
		queue := []string{"/", "/people", "/nhis", "/catalog", "/requests", "/approvals", "/reviews", "/campaigns", "/audit", "/jobs", "/sync"}
		for len(queue) > 0 && len(seen) < 60 {
			path := queue[0]
			queue = queue[1:]
			if seen[path] {
				continue
			}
			seen[path] = true
			page := b.Get(f.base + path)
			if page.StatusCode != http.StatusOK {
				continue // pages the login may not see
			}
			noIDsShown(t, who+" "+path, page.Body)
			for _, m := range link.FindAllStringSubmatch(page.Body, -1) {
				queue = append(queue, m[1])
			}
		}
	}
}

// TestBrowserEveryPageShowsNames signs in as each login in Chromium and
// opens every entry of the navigation and the detail pages they link
// to: the text on screen never shows an id.
func TestBrowserEveryPageShowsNames(t *testing.T) {
	f := newReviewFixtureWith(t, withStrictCatalog)
	sam := f.as("sam")
	if resp := f.post(sam, "/requests", url.Values{"item": {"payroll"}, "justification": {"month end"}, "environment": {"prod"}, "csrf_token": {f.csrf(sam)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d", resp.StatusCode)
	}
	j := newJourney(t, f.base, "names")
	for _, who := range []string{"carol", "alice", "mike", "sam"} {
		j.signIn(who, "pw-"+who)
		links := j.links(`header nav a`)
		for _, l := range links {
			j.do(who+" opens "+l, chromedp.Navigate(f.base+l), chromedp.WaitVisible(chromedp.ID("main")))
			if id := anyUUID.FindString(j.text("main")); id != "" {
				t.Errorf("%s %s shows the id %s", who, l, id)
			}
			details := j.links(`main a[href^="/requests/"], main a[href^="/campaigns/"], main a[href^="/nhis/"]`)
			for _, d := range details[:min(len(details), 3)] {
				j.do(who+" opens "+d, chromedp.Navigate(f.base+d), chromedp.WaitVisible(chromedp.ID("main")))
				if id := anyUUID.FindString(j.text("main")); id != "" {
					t.Errorf("%s %s shows the id %s", who, d, id)
				}
			}
		}
		j.signOut()
	}
}
