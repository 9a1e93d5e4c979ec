package webui_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/syncd-dev/syncd/internal/store"
)

// TestBrowserApproverJourneyFromMail is the approver's journey in
// headless Chromium, at desktop width and on a 390 px phone: sam requests
// through the catalog page; internal/notify delivers the approval notice
// to a real SMTP server on loopback; the link taken from carol's mail
// body opens the request through the real provider's sign-in; carol
// approves; sam's page then shows the request approved. Screenshots of
// every step are saved as test artifacts.
func TestBrowserApproverJourneyFromMail(t *testing.T) {
	for _, tc := range []struct {
		name          string
		width, height int64
	}{{"desktop", 1280, 900}, {"phone", 390, 844}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnvWith(t, false, []string{"hr"}, idpUsers, (*env).seed, withCatalog)
			mails := newMailer(t, e, "browser-journey")
			viewport := chromedp.EmulateViewport(tc.width, tc.height)

			// The requester files the request in the catalog.
			sam := newJourney(t, e.base, "approver-"+tc.name+"-requester")
			sam.do("requester signs in", viewport,
				chromedp.Navigate(e.base+"/"),
				chromedp.WaitVisible(chromedp.ID("username")),
				chromedp.SendKeys(chromedp.ID("username"), "sam"),
				chromedp.SendKeys(chromedp.ID("password"), "pw-sam"),
				chromedp.Click(chromedp.ID("submit")),
				chromedp.WaitVisible(chromedp.ID("logout")))
			sam.do("requester opens the catalog", chromedp.Navigate(e.base+"/catalog"), chromedp.WaitVisible(chromedp.ID("request-reports")))
			sam.do("requester submits",
				chromedp.SendKeys(chromedp.ID("justification-reports"), "quarterly pipeline review"),
				chromedp.Click(chromedp.ID("request-reports")),
				chromedp.WaitVisible(chromedp.ID("state")))
			if got := strings.TrimSpace(sam.text("#state")); got != "pending" {
				t.Fatalf("state after submitting: %q", got)
			}
			requestURL, err := chromedp.Run(sam.ctx, chromedp.Location())
			if err != nil || !strings.HasPrefix(requestURL, e.base+"/requests/") {
				t.Fatalf("after submitting, the browser is at %q (%v)", requestURL, err)
			}

			// The approval mail arrives at the SMTP server on loopback.
			mails.deliver()
			ms := mails.wait(1)
			carolPerson, err := e.store.GetPerson(t.Context(), e.ids["carol"])
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) != 1 || len(ms[0].To) != 1 || ms[0].To[0] != carolPerson.Email || !strings.HasPrefix(ms[0].Subject(), "Approval needed") {
				t.Fatalf("approval mail: %+v", ms)
			}
			m := mailLink.FindStringSubmatch(ms[0].Text())
			if m == nil || m[1] != requestURL {
				t.Fatalf("the mail's link %v is not the request %s:\n%s", m, requestURL, ms[0].Text())
			}

			// The approver follows the link in another browser: the
			// provider's sign-in, then the request itself.
			carol := newJourney(t, e.base, "approver-"+tc.name+"-approver")
			carol.do("approver opens the mail's link and signs in", viewport,
				chromedp.Navigate(m[1]),
				chromedp.WaitVisible(chromedp.ID("username")),
				chromedp.SendKeys(chromedp.ID("username"), "carol"),
				chromedp.SendKeys(chromedp.ID("password"), "pw-carol"),
				chromedp.Click(chromedp.ID("submit")),
				chromedp.WaitVisible(chromedp.ID("approve")))
			if !strings.Contains(carol.text("main"), "quarterly pipeline review") {
				t.Fatalf("the request page lacks the justification: %s", carol.text("main"))
			}
			if !carol.noSidewaysScroll() {
				t.Errorf("the request page scrolls sideways at %d px", tc.width)
			}
			carol.do("approver approves", chromedp.Click(chromedp.ID("approve")), chromedp.WaitVisible(chromedp.ID("logout")))
			r, err := e.store.GetRequest(t.Context(), strings.TrimPrefix(requestURL, e.base+"/requests/"))
			if err != nil || r.State != store.RequestApproved {
				t.Fatalf("request after the approval: %v %+v", err, r)
			}

			// The requester's page now says approved.
			sam.do("requester reloads the request", chromedp.Navigate(requestURL), chromedp.WaitVisible(chromedp.ID("state")))
			if got := strings.TrimSpace(sam.text("#state")); got != "approved" {
				t.Fatalf("requester's page after the approval: %q", got)
			}
			if !sam.noSidewaysScroll() {
				wide, _ := chromedp.Run(sam.ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("main *")).filter(x => x.getBoundingClientRect().right > window.innerWidth).map(x => x.tagName + "#" + x.id + "." + x.className + " " + Math.round(x.getBoundingClientRect().right)).slice(0, 8)`))
				t.Errorf("the requester's page scrolls sideways at %d px: %v", tc.width, wide)
			}
		})
	}
}
