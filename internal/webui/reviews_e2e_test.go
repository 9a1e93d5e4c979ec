package webui_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/syncd-dev/syncd/internal/store"
)

// TestBrowserManagerReviewJourney drives the manager's review in headless
// Chromium: sign in, open My reviews from the navigation, certify one
// row, try to revoke one without a justification (a form error by the
// field), revoke it with one, bulk-certify the rest, then an auditor sees
// the campaign's progress. Every page is saved as a screenshot artifact.
func TestBrowserManagerReviewJourney(t *testing.T) {
	ctx := browser(t)
	f := newReviewFixture(t)
	step := "start"
	defer func() {
		if t.Failed() {
			t.Logf("failed at step %q; screenshot: %s", step, shot(t, ctx, "failure-review-"+strings.ReplaceAll(step, " ", "-")))
		}
	}()
	do := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		step = name
		sctx, cancel := context.WithTimeout(ctx, stepTimeout)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		shot(t, ctx, "review-"+strings.ReplaceAll(name, " ", "-"))
	}
	text := func(sel string) string {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, stepTimeout)
		defer cancel()
		s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("%s: text of %s: %v", step, sel, err)
		}
		return s
	}
	signIn := func(user string) {
		do("sign in as "+user,
			chromedp.Navigate(f.base+"/"),
			chromedp.WaitVisible(chromedp.ID("username")),
			chromedp.SendKeys(chromedp.ID("username"), user),
			chromedp.SendKeys(chromedp.ID("password"), "pw-"+user),
			chromedp.Click(chromedp.ID("submit")),
			chromedp.WaitVisible(chromedp.ID("logout")),
		)
	}
	sel := func(key string) string { return id(f.items[key]) }

	signIn("mike")
	if n := text("#nav-reviews"); !strings.Contains(n, "4") {
		t.Fatalf("navigation count: %q", n)
	}
	do("open my reviews",
		chromedp.Click(chromedp.ID("nav-reviews")),
		chromedp.WaitVisible(chromedp.ID("review-summary")),
	)
	if s := text("main"); !strings.Contains(s, "4 of 4 items") || !strings.Contains(s, "Rita Report") || !strings.Contains(s, "Not used in 120 days") {
		t.Fatalf("my reviews: %s", s)
	}

	do("certify one row",
		chromedp.Click(chromedp.ID("certify-"+sel("rita/Payroll (read)"))),
		chromedp.WaitVisible(chromedp.CSS("p.flash")),
	)
	if s := text("#review-summary"); !strings.Contains(s, "3 of 4") {
		t.Fatalf("after certify: %s", s)
	}
	payroll := sel("rita/Payroll (read)")
	do("undo the certification",
		chromedp.Click(chromedp.ID("undo-"+payroll)),
		chromedp.WaitVisible(chromedp.Search(`//p[@class="flash" and contains(., "undone")]`)),
	)
	if s := text("#review-summary"); !strings.Contains(s, "4 of 4") {
		t.Fatalf("after undo: %s", s)
	}
	if s := text("#item-" + payroll); !strings.Contains(s, "Undecided") || strings.Contains(s, "Undo") {
		t.Fatalf("undone row: %s", s)
	}
	if it := f.item(t, "rita/Payroll (read)"); it.Decision != "" || it.State != store.ItemPending {
		t.Fatalf("undone item: %+v", it)
	}
	do("certify it again",
		chromedp.Click(chromedp.ID("certify-"+payroll)),
		chromedp.WaitVisible(chromedp.CSS("p.flash")),
	)
	if s := text("#review-summary"); !strings.Contains(s, "3 of 4") {
		t.Fatalf("after certifying again: %s", s)
	}

	terry := sel("terry/Payroll (read)")
	do("revoke without a justification",
		chromedp.Click(chromedp.ID("revoke-"+terry)),
		chromedp.WaitVisible(chromedp.ID("err-"+terry)),
	)
	if e := text("#err-" + terry); e != "Say why this access should be revoked." {
		t.Fatalf("field error: %q", e)
	}
	do("revoke with a justification",
		chromedp.SendKeys(chromedp.ID("just-"+terry), "Terry has left the company"),
		chromedp.Click(chromedp.ID("revoke-"+terry)),
		chromedp.WaitVisible(chromedp.CSS("p.flash")),
	)
	if s := text("p.flash"); !strings.HasPrefix(s, "Revoked Payroll (read) of Terry Gone.") {
		t.Fatalf("confirmation: %q", s)
	}
	if s := text("#item-" + terry); !strings.Contains(s, "Revoked") || !strings.Contains(s, "Terry has left the company") {
		t.Fatalf("revoked row: %s", s)
	}

	do("bulk-certify the rest",
		chromedp.Click(chromedp.ID("select-"+sel("ron/Wiki"))),
		chromedp.Click(chromedp.ID("select-"+sel("rita/Production database"))),
		chromedp.SendKeys(chromedp.ID("justification"), "Needed for on-call"),
		chromedp.Click(chromedp.ID("certify-selected")),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(., "2 decisions recorded")]`)),
	)
	if s := text("#review-summary"); !strings.Contains(s, "0 of 4") {
		t.Fatalf("after bulk: %s", s)
	}
	for key, want := range map[string]string{"rita/Payroll (read)": store.DecisionCertify, "terry/Payroll (read)": store.DecisionRevoke,
		"ron/Wiki": store.DecisionCertify, "rita/Production database": store.DecisionCertify} {
		if it := f.item(t, key); it.Decision != want || it.DecidedBy != f.ids["mike"] {
			t.Errorf("%s: %+v", key, it)
		}
	}

	do("sign out", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("signin")))
	signIn("alice")
	do("campaign progress",
		chromedp.Click(chromedp.CSS(`header a[href="/campaigns"]`)),
		chromedp.WaitVisible(chromedp.ID("campaigns")),
		chromedp.Click(chromedp.Search(`//a[text()="q4"]`)),
		chromedp.WaitVisible(chromedp.ID("progress-summary")),
	)
	if s := text("#progress-summary"); !strings.Contains(s, "66% decided") || !strings.Contains(s, "3 certified, 1 revoked, 2 undecided") {
		t.Fatalf("campaign progress: %s", s)
	}
	if s := text("#revocations-table"); !strings.Contains(s, "Terry Gone") || !strings.Contains(s, "Mike Manager") {
		t.Fatalf("revocations: %s", s)
	}
	// The chart over time: today's decisions bring it to 66%, drawn
	// without script.
	if s := text("#progress-caption"); !strings.Contains(s, "66% decided by "+time.Now().UTC().Format("2006-01-02")) {
		t.Fatalf("progress chart caption: %q", s)
	}
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	drawn, err := chromedp.Run(sctx, chromedp.Evaluate[bool](`(() => { const l = document.querySelector("#progress-chart polyline");
		const b = l && l.getBBox(); return l !== null && b.width + b.height > 50 && document.querySelectorAll("script").length === 0; })()`))
	if err != nil || !drawn {
		t.Fatalf("progress chart not drawn: %v", err)
	}
}

// TestBrowserReviewsOnAPhone: at 390 px wide My reviews and Approvals
// stay in the navigation, nothing scrolls sideways, and a row can be
// certified.
func TestBrowserReviewsOnAPhone(t *testing.T) {
	ctx := browser(t)
	f := newReviewFixture(t)
	defer func() {
		if t.Failed() {
			t.Logf("screenshot: %s", shot(t, ctx, "failure-review-phone"))
		}
	}()
	sctx, cancel := context.WithTimeout(ctx, 3*stepTimeout)
	defer cancel()
	if err := chromedp.Do(sctx,
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(f.base+"/"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "mike"),
		chromedp.SendKeys(chromedp.ID("password"), "pw-mike"),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("logout")),
		chromedp.Click(chromedp.ID("nav-reviews")),
		chromedp.WaitVisible(chromedp.ID("review-summary")),
	); err != nil {
		t.Fatalf("open my reviews: %v", err)
	}
	shot(t, ctx, "review-phone")
	inView := func(sel string) bool {
		ok, err := chromedp.Run(sctx, chromedp.Evaluate[bool](`(() => { const r = document.querySelector(`+strconv.Quote(sel)+`).getBoundingClientRect();
			return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth; })()`))
		if err != nil {
			t.Fatalf("%s: %v", sel, err)
		}
		return ok
	}
	for _, sel := range []string{"#nav-reviews", "#nav-approvals"} {
		if !inView(sel) {
			t.Errorf("%s is outside a 390 px screen", sel)
		}
	}
	wide, err := chromedp.Run(sctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	if err != nil || wide {
		t.Errorf("the page scrolls sideways at 390 px (%v)", err)
	}
	ron := id(f.items["ron/Wiki"])
	if err := chromedp.Do(sctx, chromedp.Click(chromedp.ID("certify-"+ron)), chromedp.WaitVisible(chromedp.CSS("p.flash"))); err != nil {
		t.Fatalf("certify: %v", err)
	}
	shot(t, ctx, "review-phone-certified")
	if it := f.item(t, "ron/Wiki"); it.Decision != store.DecisionCertify {
		t.Fatalf("not certified: %+v", it)
	}
}
