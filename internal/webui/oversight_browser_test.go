package webui_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserOversightPages: the auditor and the admin reach the grants
// register, the findings list, the reports and the evidence page from
// the navigation in headless Chromium, on a desktop and at 390 px,
// where the lists become cards without sideways scrolling; names, not
// ids, and a manager gets the not-found page for each. Every page is
// saved as a screenshot.
func TestBrowserOversightPages(t *testing.T) {
	var campaignID string
	o := newOversightEnv(t, withCampaign(t, &campaignID))
	pages := []struct{ nav, path, wait, list string }{
		{"nav-grants", "/grants", "grants-register", "#grants-register"},
		{"nav-findings", "/findings", "findings-table", "#findings-table"},
		{"nav-reports", "/reports", "report-grants", "#report-grants"},
		{"nav-evidence", "/evidence", "evidence-campaigns", "#evidence-campaigns"},
	}
	for _, tc := range []struct {
		user  string
		phone bool
	}{{"alice", false}, {"carol", false}, {"alice", true}, {"carol", true}} {
		name := tc.user + "-desktop"
		if tc.phone {
			name = tc.user + "-phone"
		}
		t.Run(name, func(t *testing.T) {
			j := newJourney(t, o.base, "oversight-"+name)
			if tc.phone {
				j.do("narrow the screen", chromedp.EmulateViewport(390, 844))
			}
			j.signIn(tc.user, "pw-"+tc.user)
			for _, pg := range pages {
				j.do("open "+strings.TrimPrefix(pg.path, "/")+" from the navigation",
					chromedp.Navigate(o.base+"/"),
					chromedp.WaitVisible(chromedp.ID(pg.nav)),
					chromedp.Click(chromedp.ID(pg.nav)),
					chromedp.WaitVisible(chromedp.ID(pg.wait)),
				)
				body := j.text("main")
				noIDsShown(t, pg.path, body)
				if !j.eval(`document.querySelector("#` + pg.nav + `").getAttribute("aria-current") === "page"`) {
					t.Errorf("%s: the navigation does not mark the page as current", pg.path)
				}
				if tc.phone {
					if !j.noSidewaysScroll() {
						t.Errorf("%s scrolls sideways at 390 px", pg.path)
					}
					if pg.list != "" && !j.eval(`getComputedStyle(document.querySelector("`+pg.list+` thead")).display === "none" &&
						getComputedStyle(document.querySelector("`+pg.list+` tr")).display === "block"`) {
						t.Errorf("%s: the list is not cards at 390 px", pg.path)
					}
				}
			}
			// The NHI list, for everyone, is sorted, paged and cards too.
			j.do("open the NHI list", chromedp.Navigate(o.base+"/nhis?sort=owner"), chromedp.WaitVisible(chromedp.ID("nhis-table")))
			if s := j.text("#nhis-table"); !strings.Contains(s, "Terry Gone") || !strings.Contains(s, "svc-orphan") {
				t.Errorf("NHI list: %q", s)
			}
			if tc.phone && (!j.noSidewaysScroll() || !j.eval(`getComputedStyle(document.querySelector("#nhis-table thead")).display === "none"`)) {
				t.Error("the NHI list is not cards at 390 px")
			}
		})
	}

	t.Run("register journey", func(t *testing.T) {
		j := newJourney(t, o.base, "oversight-register")
		j.signIn("alice", "pw-alice")
		j.do("reports leavers", chromedp.Navigate(o.base+"/reports"), chromedp.WaitVisible(chromedp.ID("report-link-leavers")),
			chromedp.Click(chromedp.ID("report-link-leavers")), chromedp.WaitVisible(chromedp.ID("grants-register")))
		if s := j.text("#grants-register tbody"); !strings.Contains(s, "HYPERLINK") || !strings.Contains(s, "Team wiki") || strings.Contains(s, "Rita Report") {
			t.Fatalf("leavers list: %q", s)
		}
		j.do("filter the register by item and state",
			chromedp.Navigate(o.base+"/grants"), chromedp.WaitVisible(chromedp.ID("grants-filter")),
			chromedp.SetValue(chromedp.ID("item"), "payroll"), chromedp.SetValue(chromedp.ID("state"), "active"),
			chromedp.Click(chromedp.ID("filter")),
			chromedp.WaitVisible(chromedp.Search(`//span[@class="range" and contains(., "of 2")]`)),
		)
		if s := j.text("#grants-register tbody"); !strings.Contains(s, "Rita Report") || !strings.Contains(s, "Sam Sales") || strings.Contains(s, "Team wiki") {
			t.Fatalf("filtered register: %q", s)
		}
		// The register is sorted by holder already: the header turns it.
		j.do("sort by holder, descending",
			chromedp.WaitVisible(chromedp.Search(`//th[@aria-sort="ascending"]/a[contains(., "Holder")]`)),
			chromedp.Click(chromedp.Search(`//th/a[contains(., "Holder")]`)),
			chromedp.WaitVisible(chromedp.Search(`//th[@aria-sort="descending"]/a[contains(., "Holder")]`)),
		)
		if s := j.text("#grants-register tbody"); strings.Index(s, "Sam Sales") > strings.Index(s, "Rita Report") {
			t.Fatalf("holder descending: %q", s)
		}
		if v := j.value("#item"); v != "payroll" {
			t.Fatalf("the filter was lost: item %q", v)
		}
		j.do("a holder nobody has",
			chromedp.SetValue(chromedp.ID("holder"), "nobody@example.com"),
			chromedp.Click(chromedp.ID("filter")),
			chromedp.WaitVisible(chromedp.ID("err-holder")),
		)
		if v := j.value("#holder"); v != "nobody@example.com" {
			t.Fatalf("the holder typed was lost: %q", v)
		}
	})

	t.Run("a manager is refused", func(t *testing.T) {
		j := newJourney(t, o.base, "oversight-manager")
		j.signIn("mike", "pw-mike")
		if j.eval(`document.querySelector("#nav-grants, #nav-findings, #nav-reports, #nav-evidence") !== null`) {
			t.Fatal("the manager's navigation offers an oversight page")
		}
		for _, pg := range pages {
			j.do("open "+strings.TrimPrefix(pg.path, "/"), chromedp.Navigate(o.base+pg.path), chromedp.WaitVisible(chromedp.CSS("h1")))
			if h := j.text("h1"); h != "Page not found" {
				t.Errorf("%s as a manager: %q", pg.path, h)
			}
		}
	})
}
