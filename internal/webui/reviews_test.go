package webui_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/webui"
)

// reviewFixture is an active one-stage campaign over the harness
// organisation: mike reviews four items of his reports, carol one of
// sam's.
type reviewFixture struct {
	*env
	svc      *review.Service
	campaign string
	items    map[string]int64 // "holder/item" → review item ID
}

func newReviewFixture(t *testing.T) *reviewFixture {
	t.Helper()
	return newReviewFixtureWith(t)
}

// newReviewFixtureWith is newReviewFixture with more web UI options.
func newReviewFixtureWith(t *testing.T, opts ...func(*env, *webui.Server)) *reviewFixture {
	t.Helper()
	f := &reviewFixture{items: map[string]int64{}}
	f.env = newEnvWith(t, false, []string{"hr"}, idpUsers, func(e *env, ctx context.Context) {
		e.seed(ctx)
		svc, err := review.NewService(e.store, []review.Definition{{Name: "q4", Kind: "grants",
			Stages: []review.Stage{{Name: "managers", Reviewers: []string{review.ReviewerManager}}}}})
		if err != nil {
			t.Fatal(err)
		}
		f.svc = svc
		now := time.Now().UTC()
		c, err := e.store.CreateCampaign(ctx, store.Campaign{Definition: "q4", Period: "2026-Q4", Kind: store.CampaignGrants, State: store.CampaignActive,
			Stages: 1, StartedBy: "schedule", StartedAt: now, StageDueAt: now.Add(14 * 24 * time.Hour), DueAt: now.Add(14 * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		f.campaign = c.ID
		used := now.AddDate(0, 0, -3)
		type spec struct{ holder, name, item, risk, source, rec, reason, reviewer string }
		specs := []spec{
			{"rita", "Rita Report", "Payroll (read)", "low", "birthright", "keep", "Engineering's job function grants it", "mike"},
			{"rita", "Rita Report", "Production database", "high", "imported", "revoke", "Not used in 120 days", "mike"},
			{"ron", "Ron Deep", "Wiki", "low", "imported", "keep", "Held by 90% of peers", "mike"},
			{"terry", "Terry Gone", "Payroll (read)", "low", "imported", "revoke", "The holder has left", "mike"},
			{"sam", "Sam Sales", "CRM admin", "critical", "imported", "keep", "Held by the sales team", "carol"},
		}
		var its []store.ReviewItem
		for i, s := range specs {
			its = append(its, store.ReviewItem{CampaignID: c.ID, GrantID: "grant-" + strconv.Itoa(i), HolderID: e.ids[s.holder],
				ItemID: strings.ToLower(strings.ReplaceAll(s.item, " ", "-")), Stage: 0, ReviewerIDs: []string{e.ids[s.reviewer]}, Route: "manager",
				Recommendation: s.rec, Reason: s.reason, State: store.ItemPending,
				Snapshot: store.ReviewSnapshot{HolderName: s.name, HolderDept: "Engineering", ItemName: s.item, RiskTier: s.risk, Source: s.source,
					Start: now.AddDate(-1, 0, 0), LastUsedAt: &used}})
		}
		got, err := e.store.CreateReviewItems(ctx, its)
		if err != nil {
			t.Fatal(err)
		}
		for i, it := range got {
			f.items[specs[i].holder+"/"+specs[i].item] = it.ID
		}
		nhi, err := e.store.CreateReviewItems(ctx, []store.ReviewItem{{CampaignID: c.ID, NHIID: e.nhis["svc-sam"], HolderNHIID: e.nhis["svc-sam"],
			ReviewerIDs: []string{e.ids["carol"]}, Route: "manager", Recommendation: "keep", Reason: "Used last week", State: store.ItemPending,
			Snapshot: store.ReviewSnapshot{HolderName: "svc-sam (owner Sam Sales)", Source: "ldap", NHIKind: "service-account", Start: now.AddDate(-1, 0, 0)}}})
		if err != nil {
			t.Fatal(err)
		}
		f.items["nhi/svc-sam"] = nhi[0].ID
	}, append([]func(*env, *webui.Server){func(e *env, ui *webui.Server) { ui.Reviews = f.svc }}, opts...)...)
	return f
}

func (f *reviewFixture) item(t *testing.T, key string) store.ReviewItem {
	t.Helper()
	it, err := f.store.GetReviewItem(t.Context(), f.items[key])
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

// TestReviewsShowOnlyTheViewersItems: a reviewer sees their own open
// items with names, titles and reasons, never another reviewer's; a
// decision on someone else's item is a 404, as is an unknown item.
func TestReviewsShowOnlyTheViewersItems(t *testing.T) {
	f := newReviewFixture(t)
	mike := f.as("mike")
	page := mike.Get(f.base + "/reviews")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("GET /reviews: %d", page.StatusCode)
	}
	for _, want := range []string{"Rita Report", "Ron Deep", "Production database", "high risk", "Not used in 120 days", "Staff",
		"Birthright", "Imported from a directory", "4 of 4 items still need your decision", `id="nav-reviews"`, `aria-label="4 to decide"`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("mike's reviews lack %q", want)
		}
	}
	if strings.Contains(page.Body, "Sam Sales") || strings.Contains(page.Body, "CRM admin") {
		t.Error("mike sees carol's item")
	}
	csrf := f.csrf(mike)
	samItem := id(f.items["sam/CRM admin"])
	for name, form := range map[string]url.Values{
		"row on another's item": {"csrf_token": {csrf}, "row": {"certify:" + samItem}, "just-" + samItem: {"fine"}},
		"bulk with another's":   {"csrf_token": {csrf}, "decision": {"certify"}, "item": {id(f.items["ron/Wiki"]), samItem}, "justification": {"ok"}},
		"unknown item":          {"csrf_token": {csrf}, "row": {"certify:999999"}},
		"malformed item":        {"csrf_token": {csrf}, "row": {"certify:x"}},
	} {
		if resp := f.post(mike, "/reviews", form); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d", name, resp.StatusCode)
		}
	}
	if it := f.item(t, "sam/CRM admin"); it.Decision != "" {
		t.Fatalf("sam's item decided by mike: %+v", it)
	}
	if it := f.item(t, "ron/Wiki"); it.Decision != "" {
		t.Fatalf("a refused bulk decided part of its selection: %+v", it)
	}
	// The holder's filter, as the person page links it.
	if home := mike.Get(f.base + "/").Body; !strings.Contains(home, `<span class="n">4</span> review items wait for your decision`) {
		t.Errorf("mike's home lacks the review count: %s", home)
	}
	byRita := mike.Get(f.base + "/reviews?holder=" + f.ids["rita"]).Body
	if !strings.Contains(byRita, "Rita Report") || strings.Contains(byRita, "Ron Deep") {
		t.Errorf("holder filter: %s", byRita)
	}
	rita := mike.Get(f.base + "/people/" + f.ids["rita"]).Body
	if !strings.Contains(rita, `href="/reviews?holder=`+f.ids["rita"]+`">2 open review items of this person`) {
		t.Errorf("rita's page does not link her open items: %s", rita)
	}
	carol := f.as("carol").Get(f.base + "/reviews?group=person").Body
	if !strings.Contains(carol, "svc-sam (service-account)") || !strings.Contains(carol, "<h2>Sam Sales</h2>") || strings.Contains(carol, f.nhis["svc-sam"]) {
		t.Errorf("carol's NHI review item: %s", carol)
	}
	alice := f.as("alice").Get(f.base + "/reviews").Body
	if !strings.Contains(alice, "Nothing waits for your review") || strings.Contains(alice, "Rita Report") {
		t.Errorf("the auditor's reviews: %s", alice)
	}
}

// TestReviewsDecideRowBulkAndFormErrors: a revoke without justification
// comes back as a form error by the row's field with the input kept and
// nothing recorded; with one it is recorded through the review service;
// a bulk certify that includes a high-risk item without justification
// decides the others and keeps the failing row selected.
func TestReviewsDecideRowBulkAndFormErrors(t *testing.T) {
	f := newReviewFixture(t)
	mike := f.as("mike")
	csrf := f.csrf(mike)
	terry := id(f.items["terry/Payroll (read)"])

	resp := f.post(mike, "/reviews", url.Values{"csrf_token": {csrf}, "row": {"revoke:" + terry}, "just-" + terry: {"  "}, "to-" + terry: {""}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "Say why this access should be revoked.") ||
		!strings.Contains(resp.Body, `id="err-`+terry+`"`) || strings.Contains(resp.Body, "invalid input") || strings.Contains(resp.Body, `class="flash"`) {
		t.Fatalf("revoke without justification: %d %s", resp.StatusCode, resp.Body)
	}
	if it := f.item(t, "terry/Payroll (read)"); it.Decision != "" {
		t.Fatalf("refused revoke stored: %+v", it)
	}

	resp = f.post(mike, "/reviews", url.Values{"csrf_token": {csrf}, "row": {"revoke:" + terry}, "just-" + terry: {"Terry has left"}, "state": {"undecided"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Location() != f.base+"/reviews?group=person&state=undecided&decided=1&last="+terry {
		t.Fatalf("revoke: %d %q", resp.StatusCode, resp.Location())
	}
	it := f.item(t, "terry/Payroll (read)")
	if it.Decision != store.DecisionRevoke || it.Justification != "Terry has left" || it.DecidedBy != f.ids["mike"] || it.DecidedIssuer == "" {
		t.Fatalf("revoked item: %+v", it)
	}
	after := mike.Get(resp.Location()).Body
	if !strings.Contains(after, "Revoked Payroll (read) of Terry Gone. You can change this decision here until the stage closes.") || !strings.Contains(after, "3 of 4 items") || strings.Contains(after, `id="item-`+terry+`"`) {
		t.Fatalf("after the revoke: %s", after)
	}

	rest := []string{id(f.items["rita/Payroll (read)"]), id(f.items["rita/Production database"]), id(f.items["ron/Wiki"])}
	resp = f.post(mike, "/reviews", url.Values{"csrf_token": {csrf}, "decision": {"certify"}, "item": rest, "justification": {""}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "1 of 3 not decided: Certifying high- or critical-risk access needs a justification.") ||
		!strings.Contains(resp.Body, `class="error-box"`) || !strings.Contains(resp.Body, "2 decisions recorded") {
		t.Fatalf("bulk certify: %d %s", resp.StatusCode, resp.Body)
	}
	if !strings.Contains(resp.Body, `id="select-`+rest[1]+`" aria-label="Select Production database of Rita Report" checked`) {
		t.Errorf("the failing row is no longer selected")
	}
	for _, k := range []string{"rita/Payroll (read)", "ron/Wiki"} {
		if it := f.item(t, k); it.Decision != store.DecisionCertify {
			t.Errorf("%s: %+v", k, it)
		}
	}
	if it := f.item(t, "rita/Production database"); it.Decision != "" {
		t.Errorf("high-risk certified without justification: %+v", it)
	}
	resp = f.post(mike, "/reviews", url.Values{"csrf_token": {csrf}, "decision": {"certify"}, "item": {}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "Select at least one row first.") {
		t.Fatalf("empty selection: %d", resp.StatusCode)
	}
	// Decisions stay changeable until the stage closes.
	resp = f.post(mike, "/reviews", url.Values{"csrf_token": {csrf}, "row": {"certify:" + terry}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change of mind: %d %s", resp.StatusCode, resp.Body)
	}
	if it := f.item(t, "terry/Payroll (read)"); it.Decision != store.DecisionCertify {
		t.Fatalf("changed decision: %+v", it)
	}
	ds, err := f.store.ListReviewDecisions(t.Context(), f.campaign, f.items["terry/Payroll (read)"], 0, 10)
	if err != nil || len(ds) != 2 {
		t.Fatalf("decision history: %v %+v", err, ds)
	}
	// No CSRF token: refused.
	if resp := f.post(mike, "/reviews", url.Values{"row": {"certify:" + rest[1]}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("without CSRF token: %d", resp.StatusCode)
	}
}
