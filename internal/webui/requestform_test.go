package webui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/webui"
)

// withStrictCatalog serves "payroll", whose name carries HTML: a
// justification is required, at most 14 days, dev or prod, approved by
// the requester's manager.
func withStrictCatalog(e *env, ui *webui.Server) {
	cat := &catalog.Catalog{Items: []catalog.Item{{ItemSpec: policy.ItemSpec{
		ID: "payroll", Name: "Payroll <b>admin</b>", Kind: "app-role", Risk: policy.RiskHigh, OwnerID: e.ids["carol"],
		Stages:                []policy.StageSpec{{Name: "manager", Approvers: []policy.ApproverSpec{{Manager: true}}}},
		JustificationRequired: true, MaxDuration: 14 * 24 * time.Hour, Environments: []string{"dev", "prod"}},
		Fulfillment: catalog.Fulfillment{Type: "manual"}}}}
	svc, err := access.NewService(e.store, cat, map[string]access.Fulfiller{"manual": access.Manual{}}, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	ui.Access = svc
	e.access = svc
}

// TestRequestFormErrors: input the item does not allow comes back as a
// form error by its field, with everything typed kept, and stores no
// request; a valid form is filed.
func TestRequestFormErrors(t *testing.T) {
	e := newEnvWith(t, false, []string{"hr"}, idpUsers, (*env).seed, withStrictCatalog)
	sam := e.as("sam")
	today := time.Now().UTC()
	day := func(d int) string { return today.AddDate(0, 0, d).Format("2006-01-02") }
	cases := []struct {
		name, justification, end, env string
		field, want                   string
	}{
		{"missing justification", "", day(3), "prod", "justification", "Say why this access is needed; Payroll &lt;b&gt;admin&lt;/b&gt; requires a justification."},
		{"past end date", "month end", day(-2), "prod", "end", "The end date " + day(-2) + " is in the past"},
		{"over-long window", "month end", day(40), "prod", "end", "may be held for at most 14 days: choose an end on or before " + day(13) + "."},
		{"impossible date", "month end", "2026-02-30", "prod", "end", "There is no such date."},
		{"environment not offered", "month end", day(3), "staging", "environment", "Choose one of the offered environments: dev, prod."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.post(sam, "/requests", url.Values{"item": {"payroll"}, "justification": {tc.justification}, "end": {tc.end},
				"environment": {tc.env}, "csrf_token": {e.csrf(sam)}})
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
			}
			if !strings.Contains(resp.Body, `id="err-`+tc.field+`-payroll"`) || !strings.Contains(resp.Body, tc.want) {
				t.Fatalf("no error %q by %s: %s", tc.want, tc.field, resp.Body)
			}
			if !strings.Contains(resp.Body, `id="end-payroll" name="end" value="`+tc.end+`"`) ||
				!strings.Contains(resp.Body, `id="justification-payroll" name="justification" value="`+tc.justification+`"`) {
				t.Fatalf("input lost: %s", resp.Body)
			}
			if tc.env == "prod" && !strings.Contains(resp.Body, "<option selected>prod</option>") {
				t.Fatalf("environment lost: %s", resp.Body)
			}
			if strings.Contains(resp.Body, "<b>admin</b>") {
				t.Fatal("an item name was not escaped")
			}
		})
	}
	if rs, err := e.store.ListRequests(t.Context(), store.RequestQuery{RequesterID: e.ids["sam"]}); err != nil || len(rs) != 0 {
		t.Fatalf("form errors stored requests: %v %+v", err, rs)
	}
	form := url.Values{"item": {"payroll"}, "justification": {"month end"}, "end": {day(13)}, "environment": {"prod"}, "csrf_token": {e.csrf(sam)}}
	if resp := e.post(sam, "/requests", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("valid request: %d %s", resp.StatusCode, resp.Body)
	}
	// The same again while it is pending: a form error, not an error page.
	resp := e.post(sam, "/requests", form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, `id="error-payroll"`) || !strings.Contains(resp.Body, "already pending") {
		t.Fatalf("duplicate request: %d %s", resp.StatusCode, resp.Body)
	}
	if regexp.MustCompile(`id="error-payroll">[^<]*[0-9a-f]{8}-[0-9a-f]{4}`).MatchString(resp.Body) {
		t.Fatalf("the form error shows an id: %s", resp.Body)
	}
	if rs, err := e.store.ListRequests(t.Context(), store.RequestQuery{RequesterID: e.ids["sam"]}); err != nil || len(rs) != 1 || rs[0].State != store.RequestPending {
		t.Fatalf("requests after the valid one: %v %+v", err, rs)
	}
}

// TestBrowserRequestFormErrors: in Chromium, a request without its
// justification and with an impossible date comes back with the typed
// input and the messages by the fields; corrected, it is filed.
func TestBrowserRequestFormErrors(t *testing.T) {
	e := newEnvWith(t, false, []string{"hr"}, idpUsers, (*env).seed, withStrictCatalog)
	j := newJourney(t, e.base, "request-form")
	j.signIn("sam", "pw-sam")
	j.do("open the catalog",
		chromedp.Click(chromedp.CSS(`header a[href="/catalog"]`)),
		chromedp.WaitVisible(chromedp.ID("form-payroll")),
	)
	j.do("request with an impossible date and no justification",
		chromedp.SetValue(chromedp.ID("environment-payroll"), "prod"),
		chromedp.SendKeys(chromedp.ID("end-payroll"), "2026-02-30"),
		chromedp.Click(chromedp.ID("request-payroll")),
		chromedp.WaitVisible(chromedp.ID("err-end-payroll")),
	)
	if s := j.text("#err-justification-payroll"); !strings.Contains(s, "Payroll <b>admin</b> requires a justification") {
		t.Fatalf("justification error: %q", s)
	}
	if v := j.value("#end-payroll"); v != "2026-02-30" {
		t.Fatalf("typed date lost: %q", v)
	}
	if v := j.value("#environment-payroll"); v != "prod" {
		t.Fatalf("environment lost: %q", v)
	}
	end := time.Now().UTC().AddDate(0, 0, 7).Format("2006-01-02")
	j.do("correct and request",
		chromedp.SendKeys(chromedp.ID("justification-payroll"), "month-end close"),
		chromedp.SetValue(chromedp.ID("end-payroll"), end),
		chromedp.Click(chromedp.ID("request-payroll")),
		chromedp.WaitVisible(chromedp.ID("state")),
	)
	if s := j.text("main"); !strings.Contains(s, "month-end close") || !strings.Contains(s, "pending") {
		t.Fatalf("request page: %s", s)
	}
}
