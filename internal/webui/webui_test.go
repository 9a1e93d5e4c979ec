package webui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/auth/authtest"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
	"github.com/syncd-dev/syncd/internal/webui"
)

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	e := newEnv(t, true)
	anon := authtest.NewBrowser(t)
	admin := e.as("carol")
	cases := []struct {
		name string
		b    *authtest.Browser
		path string
		want int
	}{
		{"home", admin, "/", 200},
		{"people", admin, "/people", 200},
		{"person", admin, "/people/" + e.ids["mike"], 200},
		{"nhis", admin, "/nhis", 200},
		{"nhi", admin, "/nhis/" + e.nhis["svc-orphan"], 200},
		{"sync", admin, "/sync", 200},
		{"chart", admin, "/charts/identities.svg", 200},
		{"static", anon, "/static/syncd.css", 200},
		{"not found", admin, "/no/such/page", 404},
		{"anonymous redirect", anon, "/people", 303},
		{"signed out", anon, "/signed-out", 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := tc.b.Get(e.base + tc.path)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
			h := resp.Header
			csp := h.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "form-action 'self'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("CSP allows script or inline: %q", csp)
			}
			for k, v := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"} {
				if h.Get(k) != v {
					t.Errorf("%s: %q, want %q", k, h.Get(k), v)
				}
			}
			if strings.Contains(resp.Body, "<script") {
				t.Error("page contains a script element")
			}
		})
	}
}

func TestPersonPagesAuthorizedPerObject(t *testing.T) {
	e := newEnv(t, false)
	cases := []struct {
		viewer string
		see    []string
		hidden []string
	}{
		{"carol", []string{"carol", "mike", "rita", "ron", "terry", "sam", "alice"}, nil},
		{"alice", []string{"carol", "mike", "sam", "ron"}, nil},
		{"mike", []string{"mike", "rita", "ron", "terry"}, []string{"carol", "sam", "alice"}},
		{"rita", []string{"rita", "ron"}, []string{"mike", "carol", "sam", "terry"}},
		{"ron", []string{"ron"}, []string{"rita", "mike", "sam"}},
	}
	for _, tc := range cases {
		t.Run(tc.viewer, func(t *testing.T) {
			b := e.as(tc.viewer)
			for _, who := range tc.see {
				resp := b.Get(e.base + "/people/" + e.ids[who])
				if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, who+"@example.com") {
					t.Errorf("%s → %s: %d", tc.viewer, who, resp.StatusCode)
				}
			}
			// URL tampering: another person's id gives the same 404 as a
			// made-up one, and none of their data.
			for _, who := range tc.hidden {
				resp := b.Get(e.base + "/people/" + e.ids[who])
				if resp.StatusCode != http.StatusNotFound || strings.Contains(resp.Body, who+"@example.com") {
					t.Errorf("%s → %s: %d, leaked=%v", tc.viewer, who, resp.StatusCode, strings.Contains(resp.Body, who+"@example.com"))
				}
			}
			if resp := b.Get(e.base + "/people/does-not-exist"); resp.StatusCode != http.StatusNotFound {
				t.Errorf("unknown id: %d", resp.StatusCode)
			}
		})
	}
}

func TestPeopleSearchIsScopedAndFiltered(t *testing.T) {
	e := newEnv(t, false)
	rows := func(b *authtest.Browser, query string) string {
		t.Helper()
		resp := b.Get(e.base + "/people?" + query)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/people?%s: %d", query, resp.StatusCode)
		}
		return resp.Body
	}
	has := func(body string, who ...string) []string {
		var found []string
		for _, w := range who {
			if strings.Contains(body, w+"@example.com") {
				found = append(found, w)
			}
		}
		return found
	}
	all := []string{"carol", "mike", "rita", "ron", "terry", "sam", "alice"}

	mike := e.as("mike")
	if got := has(rows(mike, ""), all...); strings.Join(got, ",") != "mike,rita,ron,terry" {
		t.Errorf("mike sees %v", got)
	}
	if got := has(rows(mike, "manager=me"), all...); strings.Join(got, ",") != "rita,terry" {
		t.Errorf("mike's direct reports: %v", got)
	}
	if got := has(rows(mike, "q=sam"), all...); len(got) != 0 {
		t.Errorf("mike found sam by name: %v", got)
	}
	admin := e.as("carol")
	for _, tc := range []struct{ query, want string }{
		{"", "carol,mike,rita,ron,terry,sam,alice"},
		{"department=sales", "sam"},
		{"status=terminated", "terry"},
		{"q=Deep", "ron"},
		{"department=Engineering&status=active", "mike,rita,ron"},
	} {
		if got := strings.Join(has(rows(admin, tc.query), all...), ","); got != tc.want {
			t.Errorf("admin %q: %s, want %s", tc.query, got, tc.want)
		}
	}
	if resp := admin.Get(e.base + "/people?status=bogus"); resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.Body, "active, disabled or terminated") {
		t.Errorf("bad status: %d", resp.StatusCode)
	}
}

func TestPeopleListIsPaginated(t *testing.T) {
	e := newEnv(t, false)
	for i := range 60 {
		if _, err := e.store.CreatePerson(t.Context(), store.Person{UserName: "extra" + string(rune('a'+i/26)) + string(rune('a'+i%26)), Status: store.StatusActive}); err != nil {
			t.Fatal(err)
		}
	}
	b := e.as("carol")
	first := b.Get(e.base + "/people")
	if !strings.Contains(first.Body, "67 people match") || !strings.Contains(first.Body, `id="next-page"`) {
		t.Fatalf("first page: %s", first.Body)
	}
	next := regexpNext.FindStringSubmatch(first.Body)
	if next == nil {
		t.Fatal("no next link")
	}
	second := b.Get(e.base + strings.ReplaceAll(next[1], "&amp;", "&"))
	if c := strings.Count(second.Body, "<tr><td>"); c != 17 || strings.Contains(second.Body, `id="next-page"`) {
		t.Fatalf("second page has %d rows", c)
	}
}

func TestNHIAuthorizationAndReassign(t *testing.T) {
	e := newEnv(t, true)
	type want struct{ see, manage bool }
	cases := map[string]map[string]want{
		"mike":  {"svc-mike": {true, true}, "svc-rita": {true, false}, "svc-terry": {true, false}, "svc-sam": {}, "svc-orphan": {}},
		"sam":   {"svc-sam": {true, true}, "svc-apollo": {true, true}, "svc-mike": {}},
		"alice": {"svc-sam": {true, false}, "svc-orphan": {true, false}},
		"rita":  {"svc-rita": {true, true}, "svc-mike": {}},
	}
	for viewer, objs := range cases {
		t.Run(viewer, func(t *testing.T) {
			b := e.as(viewer)
			token := e.csrf(b)
			list := b.Get(e.base + "/nhis").Body
			for name, w := range objs {
				resp := b.Get(e.base + "/nhis/" + e.nhis[name])
				if w.see != (resp.StatusCode == http.StatusOK) {
					t.Errorf("%s sees %s: %d, want see=%v", viewer, name, resp.StatusCode, w.see)
				}
				if w.see != strings.Contains(list, ">"+name+"<") {
					t.Errorf("%s's list shows %s: %v, want %v", viewer, name, !w.see, w.see)
				}
				if w.see && w.manage != strings.Contains(resp.Body, `id="reassign"`) {
					t.Errorf("%s: reassign form on %s shown=%v, want %v", viewer, name, !w.manage, w.manage)
				}
				if w.manage {
					continue
				}
				// Posting anyway is refused server-side, and nothing changes.
				before, _ := e.store.GetNHI(t.Context(), e.nhis[name])
				resp = e.post(b, "/nhis/"+e.nhis[name]+"/owner", url.Values{"csrf_token": {token}, "owner": {viewer + "@example.com"}, "reason": {"mine now"}})
				wantStatus := http.StatusNotFound
				if w.see {
					wantStatus = http.StatusForbidden
				}
				if resp.StatusCode != wantStatus {
					t.Errorf("%s reassigns %s: %d, want %d", viewer, name, resp.StatusCode, wantStatus)
				}
				after, _ := e.store.GetNHI(t.Context(), e.nhis[name])
				if after.OwnerID != before.OwnerID {
					t.Errorf("%s changed the owner of %s", viewer, name)
				}
			}
		})
	}
}

func TestReassignIsAuditedAndResolvesFinding(t *testing.T) {
	e := newEnv(t, true)
	b := e.as("carol")
	id := e.nhis["svc-orphan"]
	page := b.Get(e.base + "/nhis/" + id).Body
	if !strings.Contains(page, "no-owner") || !strings.Contains(page, "no owner is recorded") {
		t.Fatalf("finding not shown: %s", page)
	}
	resp := e.post(b, "/nhis/"+id+"/owner", url.Values{"csrf_token": {e.csrf(b)}, "owner": {"rita@example.com"}, "reason": {"rita runs it"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reassign: %d %s", resp.StatusCode, resp.Body)
	}
	n, _ := e.store.GetNHI(t.Context(), id)
	if n.OwnerID != e.ids["rita"] {
		t.Fatalf("owner %q, want rita", n.OwnerID)
	}
	// The owner change is the API's: nhi.updated, with the reason.
	evs, _ := e.store.ListAuditByTarget(t.Context(), []string{"nhi:" + id}, 0)
	last := evs[0]
	if last.Action != audit.ActionNHIUpdated || last.Actor != "person:"+e.ids["carol"] || !strings.Contains(string(last.Details), "rita runs it") {
		t.Fatalf("audit event %+v %s", last, last.Details)
	}
	page = b.Follow(resp.Location()).Body
	if !strings.Contains(page, "Owner reassigned.") || !strings.Contains(page, `id="no-findings"`) || !strings.Contains(page, audit.ActionNHIUpdated) {
		t.Fatalf("after reassign: %s", page)
	}
	// Terminated people cannot become owners; unknown people neither.
	for login, want := range map[string]string{"terry@example.com": "only an active person", "nobody@example.com": "No single person"} {
		resp = e.post(b, "/nhis/"+id+"/owner", url.Values{"csrf_token": {e.csrf(b)}, "owner": {login}, "reason": {"x"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.Body, want) {
			t.Errorf("reassign to %s: %d %s", login, resp.StatusCode, resp.Body)
		}
	}
}

func TestExtendProject(t *testing.T) {
	e := newEnv(t, true)
	b := e.as("sam")
	id := e.nhis["svc-apollo"]
	if !strings.Contains(b.Get(e.base+"/nhis/"+id).Body, "project-ended") {
		t.Fatal("project-ended finding missing")
	}
	resp := e.post(b, "/nhis/"+id+"/project", url.Values{"csrf_token": {e.csrf(b)}, "end_date": {"2099-12-31"}, "reason": {"phase 2"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("extend: %d %s", resp.StatusCode, resp.Body)
	}
	pr, _ := e.store.GetProject(t.Context(), e.proj)
	if pr.EndDate == nil || pr.EndDate.Format("2006-01-02") != "2099-12-31" {
		t.Fatalf("end date %v", pr.EndDate)
	}
	evs, _ := e.store.ListAuditByTarget(t.Context(), []string{"project:" + e.proj}, 0)
	if last := evs[0]; last.Action != audit.ActionProjectExtended {
		t.Fatalf("audit %+v", last)
	}
	if strings.Contains(b.Get(e.base+"/nhis/"+id).Body, "project-ended") {
		t.Fatal("project-ended finding still open")
	}
	resp = e.post(b, "/nhis/"+id+"/project", url.Values{"csrf_token": {e.csrf(b)}, "end_date": {"2000-01-01"}, "reason": {"x"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("past date: %d", resp.StatusCode)
	}
}

func TestStateChangesNeedCSRFAndSameOrigin(t *testing.T) {
	e := newEnv(t, true)
	b := e.as("carol")
	id := e.nhis["svc-orphan"]
	form := url.Values{"owner": {"rita@example.com"}, "reason": {"x"}}
	if resp := e.post(b, "/nhis/"+id+"/owner", form); resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.Body, "CSRF") {
		t.Fatalf("no token: %d %s", resp.StatusCode, resp.Body)
	}
	form.Set("csrf_token", "forged")
	if resp := e.post(b, "/nhis/"+id+"/owner", form); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("forged token: %d", resp.StatusCode)
	}
	// A cross-site form post is refused even with the right token.
	form.Set("csrf_token", e.csrf(b))
	req, _ := http.NewRequest(http.MethodPost, e.base+"/nhis/"+id+"/owner", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	if resp := b.Do(req); resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.Body, "another site") {
		t.Fatalf("cross-site: %d %s", resp.StatusCode, resp.Body)
	}
	if n, _ := e.store.GetNHI(t.Context(), id); n.OwnerID != "" {
		t.Fatal("owner changed by a refused request")
	}
	if resp := e.post(b, "/nhis/"+id+"/owner", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("valid: %d %s", resp.StatusCode, resp.Body)
	}
}

func TestSyncPagesForAdminsAndAuditors(t *testing.T) {
	e := newEnv(t, false)
	for _, who := range []string{"carol", "alice"} {
		b := e.as(who)
		body := b.Get(e.base + "/sync").Body
		for _, want := range []string{"ldap: bind failed", "failed", "succeeded", "incremental"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: sync page lacks %q", who, want)
			}
		}
		runs, _ := e.store.ListSyncRuns(t.Context(), "ldap", 1)
		run := b.Get(e.base + "/sync/runs/" + itoa(runs[0].ID))
		if run.StatusCode != http.StatusOK || !strings.Contains(run.Body, "uid=ghost") || !strings.Contains(run.Body, "no match key") {
			t.Errorf("%s: run page %d", who, run.StatusCode)
		}
		if !strings.Contains(b.Get(e.base+"/").Body, "sources whose last sync failed") {
			t.Errorf("%s: home lacks sync attention", who)
		}
	}
	mike := e.as("mike")
	for _, p := range []string{"/sync", "/sync/runs/1", "/charts/identities.svg", "/jobs"} {
		want := http.StatusForbidden
		if p == "/sync/runs/1" {
			want = http.StatusNotFound // an object: as for an unknown run
		}
		if resp := mike.Get(e.base + p); resp.StatusCode != want {
			t.Errorf("mike %s: %d", p, resp.StatusCode)
		}
	}
	if strings.Contains(mike.Get(e.base+"/").Body, `href="/sync"`) {
		t.Error("mike's navigation links to sync")
	}
}

// TestFailedJobsPage: admins and auditors see failed jobs with their last
// error; queued ones are not listed.
func TestFailedJobsPage(t *testing.T) {
	e := newEnv(t, false)
	ctx := t.Context()
	for _, key := range []string{"will-fail", "still-queued"} {
		if _, _, err := e.store.EnqueueJob(ctx, store.Job{Kind: "pull.hr", Key: key, RunAt: time.Now().Add(-time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	c, err := e.store.ClaimJob(ctx, []string{"pull.hr"}, "test", time.Now(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.FailJob(ctx, store.JobLease{JobID: c.ID, Token: c.LeaseToken}, "hr <unreachable>", time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"carol", "alice"} {
		resp := e.as(who).Get(e.base + "/jobs")
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, c.Key) || !strings.Contains(resp.Body, "hr &lt;unreachable&gt;") ||
			strings.Contains(resp.Body, "still-queued") {
			t.Errorf("%s: /jobs %d\n%s", who, resp.StatusCode, resp.Body)
		}
	}
}

func TestHomeShowsIdentityAndAttention(t *testing.T) {
	e := newEnv(t, true)
	body := e.as("mike").Get(e.base + "/").Body
	for _, want := range []string{"Hello, Mike Manager", "mike@example.com", "Engineering", `<span class="n">2</span> people report to you`, `<span class="n">1</span> non-human identities you own`} {
		if !strings.Contains(body, want) {
			t.Errorf("home lacks %q", want)
		}
	}
	if strings.Contains(body, "open orphan findings in total") {
		t.Error("non-admin sees global counts")
	}
	admin := e.as("carol").Get(e.base + "/").Body
	if !strings.Contains(admin, `<span class="n">4</span> open orphan findings in total`) || !strings.Contains(admin, "/charts/findings.svg") {
		t.Errorf("admin home: %s", admin)
	}
}

func TestChartsAreSVG(t *testing.T) {
	e := newEnv(t, true)
	b := e.as("alice")
	for _, p := range []string{"/charts/identities.svg", "/charts/findings.svg"} {
		resp := b.Get(e.base + p)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(resp.Body, "<svg") || !strings.Contains(resp.Body, "<rect") {
			t.Errorf("%s: %d %q %.80s", p, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Body)
		}
	}
	if body := b.Get(e.base + "/charts/identities.svg").Body; !strings.Contains(body, "terminated: 1") || !strings.Contains(body, "active: 6") {
		t.Errorf("identities chart: %s", body)
	}
}

func TestPagesWorkWithoutFindings(t *testing.T) {
	e := newEnv(t, false)
	b := e.as("carol")
	for _, p := range []string{"/", "/nhis", "/nhis?rule=no-owner", "/nhis/" + e.nhis["svc-orphan"]} {
		resp := b.Get(e.base + p)
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, "not available in this build") {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
	if resp := b.Get(e.base + "/charts/findings.svg"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("findings chart without findings: %d", resp.StatusCode)
	}
}

func TestUserDataIsEscaped(t *testing.T) {
	e := newEnv(t, false)
	if _, err := e.store.UpdatePerson(t.Context(), e.ids["ron"], func(p store.Person) (store.Person, error) {
		p.Title = `<script>alert(1)</script>`
		return p, nil
	}); err != nil {
		t.Fatal(err)
	}
	body := e.as("rita").Get(e.base + "/people/" + e.ids["ron"]).Body
	if strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatalf("title not escaped: %s", body)
	}
}

func TestRequiredTemplatesCheckedAtStartup(t *testing.T) {
	fsys := fstest.MapFS{
		"layout.html":   {Data: []byte(`{{define "layout"}}{{template "content" .}}{{end}}`)},
		"partials.html": {Data: []byte(`{{define "pager"}}{{end}}`)},
		"error.html":    {Data: []byte(`{{define "content"}}x{{end}}`)},
	}
	if err := webui.NewWithTemplates(gormtest.SQLite(t), fsys); err == nil || !strings.Contains(err.Error(), "signedout.html") {
		t.Fatalf("missing pages: %v", err)
	}
}

var regexpNext = regexp.MustCompile(`href="([^"]+)" rel="next"`)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestNHIListIsPaginated(t *testing.T) {
	e := newEnv(t, false)
	for i := range 55 {
		if _, err := e.store.CreateNHI(t.Context(), store.NHI{Kind: store.KindAPIKey, Name: "key-" + strconv.Itoa(100+i), Source: "import", OwnerID: e.ids["mike"]}); err != nil {
			t.Fatal(err)
		}
	}
	b := e.as("carol")
	first := b.Get(e.base + "/nhis?kind=api-key")
	next := regexpNext.FindStringSubmatch(first.Body)
	if next == nil || strings.Count(first.Body, `<a href="/nhis/`) != 50 {
		t.Fatalf("first page: %d rows, next %v", strings.Count(first.Body, `<a href="/nhis/`), next)
	}
	second := b.Get(e.base + strings.ReplaceAll(next[1], "&amp;", "&"))
	if n := strings.Count(second.Body, `<a href="/nhis/`); n != 5 || strings.Contains(second.Body, `id="next-page"`) {
		t.Fatalf("second page: %d rows", n)
	}
	// Mike owns all 55 plus his own service account, and pages the same way.
	mike := e.as("mike")
	if n := strings.Count(mike.Get(e.base+"/nhis?owner=me").Body, `<a href="/nhis/`); n != 50 {
		t.Fatalf("mike's first page: %d rows", n)
	}
}

func TestStoreOutageRendersErrorPage(t *testing.T) {
	e := newEnv(t, false)
	b := e.as("carol")
	if err := e.store.(interface{ Close() error }).Close(); err != nil {
		t.Fatal(err)
	}
	resp := b.Get(e.base + "/people")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(resp.Body, "HTTP status 503") ||
		resp.Header.Get("Content-Security-Policy") == "" || strings.Contains(resp.Body, "sql:") {
		t.Fatalf("outage: %d %s", resp.StatusCode, resp.Body)
	}
}
