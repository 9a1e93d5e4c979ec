package webui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/webui"
)

// appendEvents records n events by actor on target through package
// audit, as the services do.
func appendEvents(t *testing.T, st store.Store, n int, actor, action, target string) {
	t.Helper()
	err := st.InTx(t.Context(), func(tx store.Tx) error {
		for i := range n {
			if _, err := audit.Append(t.Context(), tx, time.Now(), audit.Entry{Actor: actor, Action: action, Target: target,
				Details: map[string]any{"n": i}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

var auditRowSeq = regexp.MustCompile(`<tr id="event-(\d+)">`)

// TestAuditTrailPage: auditors and admins read the trail, nobody else;
// filters by actor (a user name), action, target and days; cursor pages
// keep the filter; names stand for ids, escaped.
func TestAuditTrailPage(t *testing.T) {
	e := newEnvWith(t, false, []string{"hr"}, idpUsers, (*env).seed, withStrictCatalog)
	sam := e.as("sam")
	if resp := e.post(sam, "/requests", url.Values{"item": {"payroll"}, "justification": {"month end"}, "environment": {"prod"}, "csrf_token": {e.csrf(sam)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", resp.StatusCode, resp.Body)
	}
	appendEvents(t, e.store, 120, "system", "jobs.canary", "person:"+e.ids["ron"])

	for _, who := range []string{"mike", "sam", "rita"} {
		if resp := e.as(who).Get(e.base + "/audit"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s reads the audit trail: %d", who, resp.StatusCode)
		}
		if resp := e.as(who).Get(e.base + "/audit/verify"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s verifies the audit trail: %d", who, resp.StatusCode)
		}
	}
	if resp := e.as("carol").Get(e.base + "/audit"); resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, `id="nav-audit"`) {
		t.Fatalf("admin: %d", resp.StatusCode)
	}
	alice := e.as("alice")

	mine := alice.Get(e.base + "/audit?actor=sam")
	if mine.StatusCode != http.StatusOK || !strings.Contains(mine.Body, "request.submitted") ||
		!strings.Contains(mine.Body, "request for Payroll &lt;b&gt;admin&lt;/b&gt; for Sam Sales") || strings.Contains(mine.Body, "jobs.canary") {
		t.Fatalf("sam's events: %d %s", mine.StatusCode, mine.Body)
	}
	if strings.Contains(mine.Body, "<b>admin</b>") {
		t.Fatal("an item name was not escaped")
	}
	if got, by := len(auditRowSeq.FindAllStringSubmatch(mine.Body, -1)), strings.Count(mine.Body, `<td data-label="Who"><a href="/people/`+e.ids["sam"]+`">Sam Sales</a>`); got == 0 || got != by {
		t.Fatalf("sam's events: %d rows, %d by Sam Sales", got, by)
	}
	if bad := alice.Get(e.base + "/audit?actor=nobody-here&from=2026-02-30"); bad.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(bad.Body, `id="err-actor"`) || !strings.Contains(bad.Body, `id="err-from"`) || !strings.Contains(bad.Body, `value="nobody-here"`) {
		t.Fatalf("bad filter: %d %s", bad.StatusCode, bad.Body)
	}

	// 120 ticks on Ron: three pages of 50, 50 and 20, newest first,
	// the filter kept on every link; no event twice, none lost.
	filter := "/audit?action=jobs.canary&target=" + url.QueryEscape("person:"+e.ids["ron"])
	page := alice.Get(e.base + filter)
	if !strings.Contains(page.Body, "Ron Deep") || !strings.Contains(page.Body, "syncd (scheduled or automatic)") {
		t.Fatalf("names: %s", page.Body)
	}
	seen := map[string]bool{}
	var last int
	for i := 0; ; i++ {
		rows := auditRowSeq.FindAllStringSubmatch(page.Body, -1)
		if want := []int{50, 50, 20}[min(i, 2)]; len(rows) != want {
			t.Fatalf("page %d: %d rows, want %d", i, len(rows), want)
		}
		for _, r := range rows {
			var n int
			fmt.Sscan(r[1], &n)
			if seen[r[1]] || (last != 0 && n >= last) {
				t.Fatalf("page %d: event %s out of order or twice", i, r[1])
			}
			seen[r[1]], last = true, n
		}
		m := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(page.Body)
		if m == nil {
			break
		}
		next := strings.ReplaceAll(m[1], "&amp;", "&")
		if !strings.Contains(next, "action=jobs.canary") || !strings.Contains(next, "target=") {
			t.Fatalf("the older link loses the filter: %s", next)
		}
		page = alice.Get(e.base + next)
	}
	if len(seen) != 120 {
		t.Fatalf("paged through %d events, want 120", len(seen))
	}
	// Back: the newer link from the last page shows the 50 before it.
	m := regexp.MustCompile(`href="([^"]+)" rel="prev"`).FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatal("no newer link on the last page")
	}
	back := alice.Get(e.base + strings.ReplaceAll(m[1], "&amp;", "&"))
	if rows := auditRowSeq.FindAllStringSubmatch(back.Body, -1); len(rows) != 50 {
		t.Fatalf("newer page: %d rows", len(rows))
	}

	// A name with HTML in it is text wherever it shows.
	evil, err := e.store.CreatePerson(t.Context(), store.Person{UserName: "mallory", DisplayName: `<img src=x onerror=alert(1)>Mallory`, Status: store.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	appendEvents(t, e.store, 1, "person:"+evil.ID, "project.extended", "person:"+evil.ID)
	if page := alice.Get(e.base + "/audit?action=project.extended"); strings.Contains(page.Body, "<img src=x") || !strings.Contains(page.Body, "&lt;img src=x onerror=alert(1)&gt;Mallory") {
		t.Fatalf("an HTML name in the trail: %s", page.Body)
	}

	ok := alice.Get(e.base + "/audit/verify?action=jobs.canary")
	if !strings.Contains(ok.Body, `id="verify-result"`) || !strings.Contains(ok.Body, "Chain verified") || !strings.Contains(ok.Body, `value="jobs.canary"`) {
		t.Fatalf("verify: %s", ok.Body)
	}
}

// tamperedAudit is the real store with event 2's actor edited on the way
// out, as an edited row would read.
type tamperedAudit struct{ store.ReadStore }

func (s tamperedAudit) ListAudit(ctx context.Context, after int64, limit int) ([]store.AuditEvent, error) {
	evs, err := s.ReadStore.ListAudit(ctx, after, limit)
	for i := range evs {
		if evs[i].Seq == 2 {
			evs[i].Actor = "mallory"
		}
	}
	return evs, err
}

// TestBrowserAuditorVerifiesTheChain: in Chromium the auditor opens the
// audit trail from the navigation, filters it and verifies the chain; a
// chain with an edited event is reported broken at that event.
func TestBrowserAuditorVerifiesTheChain(t *testing.T) {
	e := newEnvWith(t, false, []string{"hr"}, idpUsers, (*env).seed)
	j := newJourney(t, e.base, "audit")
	j.signIn("alice", "pw-alice")
	j.do("open the audit trail",
		chromedp.Click(chromedp.ID("nav-audit")),
		chromedp.WaitVisible(chromedp.ID("audit-events")),
	)
	j.do("filter by action",
		chromedp.SendKeys(chromedp.ID("action"), "person.created"),
		chromedp.Click(chromedp.ID("filter")),
		chromedp.WaitVisible(chromedp.ID("audit-events")),
	)
	if s := j.text("#audit-events"); !strings.Contains(s, "Carol CEO") || strings.Contains(s, e.ids["carol"]) {
		t.Fatalf("filtered trail: %s", s)
	}
	j.do("verify the chain",
		chromedp.Click(chromedp.ID("verify-chain")),
		chromedp.WaitVisible(chromedp.ID("verify-result")),
	)
	if s := j.text("#verify-result"); !strings.HasPrefix(s, "✓ Chain verified") {
		t.Fatalf("verification: %s", s)
	}
	if v := j.value("#action"); v != "person.created" {
		t.Fatalf("filter lost after verification: %q", v)
	}

	broken := newEnvWith(t, false, []string{"hr"}, idpUsers, (*env).seed, func(_ *env, ui *webui.Server) { ui.Store = tamperedAudit{ui.Store} })
	j.base = broken.base
	j.signIn("alice", "pw-alice")
	j.do("verify an edited chain",
		chromedp.Navigate(broken.base+"/audit"),
		chromedp.Click(chromedp.ID("verify-chain")),
		chromedp.WaitVisible(chromedp.ID("verify-result")),
	)
	if s := j.text("#verify-result"); !strings.Contains(s, "Chain broken at event #2") || !strings.Contains(s, "edited") {
		t.Fatalf("verification of an edited chain: %s", s)
	}
}
