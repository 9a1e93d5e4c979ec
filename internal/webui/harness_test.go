package webui_test

import (
	"context"
	"fmt"
	"github.com/syncd-dev/syncd/internal/access"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/auth/authtest"
	"github.com/syncd-dev/syncd/internal/demoidp"
	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
	"github.com/syncd-dev/syncd/internal/webui"
)

// env is the web UI on a real SQLite store behind a real OpenID provider
// on loopback; people sign in through the provider's form.
type env struct {
	t     testing.TB
	base  string
	store store.Store
	ids   map[string]string // user name → person id
	nhis  map[string]string // NHI name → id
	proj  string            // project "apollo"
	// access is the request flow, when a test serves one; tests run its
	// fulfillment worker themselves.
	access *access.Service
}

var idpUsers = func() []demoidp.User {
	var us []demoidp.User
	groups := map[string][]string{"carol": {"syncd-admins"}, "alice": {"syncd-auditors"}}
	for _, n := range []string{"carol", "alice", "mike", "rita", "ron", "sam"} {
		us = append(us, demoidp.User{ID: "sub-" + n, Username: n, Password: "pw-" + n, Name: n, Email: n + "@example.com", Groups: groups[n]})
	}
	return us
}()

// newEnv builds the organisation:
//
//	carol (admin) ── mike ── rita ── ron
//	              │       └─ terry (terminated)
//	              └─ sam        alice (auditor, no manager)
//
// NHIs: svc-mike (mike), svc-rita (rita), svc-terry (terry: owner
// inactive), svc-sam (sam), svc-orphan (nobody), svc-apollo (nobody, in
// project apollo owned by sam, ended).
func newEnv(t *testing.T, findings bool) *env {
	t.Helper()
	return newEnvWith(t, findings, []string{"hr", "ldap"}, idpUsers, (*env).seed)
}

// newEnvWith is newEnv with other people and provider accounts.
// opts adjust the web UI's dependencies before it starts.
func newEnvWith(t testing.TB, findings bool, sources []string, users []demoidp.User, seed func(*env, context.Context), opts ...func(*env, *webui.Server)) *env {
	t.Helper()
	st := gormtest.SQLite(t)
	e := &env{t: t, store: st, ids: map[string]string{}, nhis: map[string]string{}}
	seed(e, t.Context())

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.base = "http://" + ln.Addr().String()
	idp := authtest.StartIDP(t, e.base+"/auth/callback", users)
	ui := webui.Server{Store: st, NHIWrites: st, Sources: sources}
	if findings {
		ui.Findings = &computedFindings{st: st, now: time.Now}
	}
	for _, o := range opts {
		o(e, &ui)
	}
	srv, err := webui.New(ui)
	if err != nil {
		t.Fatal(err)
	}
	a, err := auth.New(t.Context(), auth.Config{
		Issuer: idp.Issuer, ClientID: authtest.ClientID, ClientSecret: authtest.ClientSecret,
		RedirectURL: e.base + "/auth/callback", Scopes: []string{"profile", "email"},
		LinkBy: auth.LinkByEmail, LinkClaim: "email", GroupsClaim: "groups",
		RoleGroups:  auth.RoleMap{auth.RoleAdmin: {"syncd-admins"}, auth.RoleAuditor: {"syncd-auditors"}, auth.RoleCatalogOwner: {"syncd-catalog-owners"}},
		IdleTimeout: time.Hour, AbsoluteTimeout: 8 * time.Hour,
	}, st, nil, nil, srv.Fail)
	if err != nil {
		t.Fatal(err)
	}
	srv.Auth = a
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return e
}

func (e *env) seed(ctx context.Context) {
	t := e.t
	svc, err := identity.New(identity.Config{Sources: map[string]identity.SourceRole{"hr": identity.RoleHR}}, e.store)
	if err != nil {
		t.Fatal(err)
	}
	type person struct{ id, manager, dept, status, display string }
	people := []person{
		{"carol", "", "Executive", "active", "Carol CEO"},
		{"mike", "carol", "Engineering", "active", "Mike Manager"},
		{"rita", "mike", "Engineering", "active", "Rita Report"},
		{"ron", "rita", "Engineering", "active", "Ron Deep"},
		{"terry", "mike", "Engineering", "terminated", "Terry Gone"},
		{"sam", "carol", "Sales", "active", "Sam Sales"},
		{"alice", "", "Audit", "active", "Alice Auditor"},
	}
	var changes []identity.Change
	for _, p := range people {
		rec := identity.Record{ExternalID: p.id, Attributes: map[string]string{
			identity.AttrUserName: p.id, identity.AttrEmail: p.id + "@example.com", identity.AttrDisplayName: p.display,
			identity.AttrDepartment: p.dept, identity.AttrStatus: p.status, identity.AttrTitle: "Staff",
		}, Manager: &identity.ManagerRef{}}
		if p.manager != "" {
			rec.Manager = &identity.ManagerRef{ExternalID: p.manager}
		}
		changes = append(changes, identity.Change{Record: rec})
	}
	res, err := svc.Apply(ctx, identity.Batch{Source: "hr", Changes: changes})
	if err != nil || len(res.Rejected) > 0 {
		t.Fatalf("seed people: %v %+v", err, res.Rejected)
	}
	for _, a := range res.Applied {
		e.ids[a.ExternalID] = a.PersonID
	}
	ended := time.Now().AddDate(0, -1, 0).UTC()
	pr, err := e.store.CreateProject(ctx, store.Project{Name: "apollo", OwnerID: e.ids["sam"], EndDate: &ended})
	if err != nil {
		t.Fatal(err)
	}
	e.proj = pr.ID
	for _, n := range []struct{ name, owner, project string }{
		{"svc-mike", "mike", ""}, {"svc-rita", "rita", ""}, {"svc-terry", "terry", ""},
		{"svc-sam", "sam", ""}, {"svc-orphan", "", ""}, {"svc-apollo", "", pr.ID},
	} {
		got, err := e.store.CreateNHI(ctx, store.NHI{
			Kind: store.KindServiceAccount, Name: n.name, Source: "ldap", Environment: "prod",
			OwnerID: e.ids[n.owner], ProjectID: n.project,
		})
		if err != nil {
			t.Fatal(err)
		}
		e.nhis[n.name] = got.ID
	}
	fin := time.Now().UTC()
	if _, err := e.store.CreateSyncRun(ctx, store.SyncRun{Source: "hr", Mode: "full", Status: store.RunSucceeded, FinishedAt: &fin, Counts: store.RunCounts{Read: 7, Created: 7}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.CreateSyncRun(ctx, store.SyncRun{Source: "ldap", Mode: "incremental", Status: store.RunFailed, FinishedAt: &fin,
		Error: "ldap: bind failed", Counts: store.RunCounts{Read: 3, Rejected: 1},
		Rejections: []store.Rejection{{ExternalID: "uid=ghost", Reason: "no match key"}}}); err != nil {
		t.Fatal(err)
	}
}

// as returns a browser signed in as user (through the provider's form).
func (e *env) as(user string) *authtest.Browser {
	e.t.Helper()
	b := authtest.NewBrowser(e.t)
	pw := "pw-" + user
	if user == "ada" || user == "max" || user == "eli" || user == "otto" || user == "cora" {
		pw = "demo" // the demo organisation's logins
	}
	resp := b.SignIn(e.base, "/", user, pw)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("sign in as %s: %d %s", user, resp.StatusCode, resp.Body)
	}
	return b
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf returns the form token from a page the browser can see.
func (e *env) csrf(b *authtest.Browser) string {
	e.t.Helper()
	m := csrfInput.FindStringSubmatch(b.Get(e.base + "/").Body)
	if m == nil {
		e.t.Fatal("no CSRF token on the home page")
	}
	return m[1]
}

func (e *env) post(b *authtest.Browser, path string, form url.Values) authtest.Response {
	e.t.Helper()
	return b.PostForm(e.base+path, form)
}

// computedFindings is a minimal real findings provider for these tests:
// it evaluates three orphan rules on the store's current state instead of
// keeping findings in a table (package nhi does that in production).
type computedFindings struct {
	st  store.Store
	now func() time.Time
}

func (c *computedFindings) eval(ctx context.Context) ([]store.Finding, error) {
	ns, err := c.st.ListNHIs(ctx, store.NHIQuery{Limit: 10000})
	if err != nil {
		return nil, err
	}
	var out []store.Finding
	for _, n := range ns {
		add := func(rule, reason string) {
			out = append(out, store.Finding{ID: int64(len(out) + 1), NHIID: n.ID, Rule: rule, Reason: reason, State: store.FindingOpen, OpenedAt: n.UpdatedAt})
		}
		if n.OwnerID == "" {
			add("no-owner", "no owner is recorded")
		} else if p, err := c.st.GetPerson(ctx, n.OwnerID); err != nil {
			return nil, err
		} else if p.Status != store.StatusActive {
			add("owner-inactive", fmt.Sprintf("owner %s is %s", p.UserName, p.Status))
		}
		if n.ProjectID != "" {
			pr, err := c.st.GetProject(ctx, n.ProjectID)
			if err != nil {
				return nil, err
			}
			if pr.EndDate != nil && pr.EndDate.Before(c.now()) {
				add("project-ended", "project "+pr.Name+" ended")
			}
		}
	}
	return out, nil
}

func (c *computedFindings) ListFindings(ctx context.Context, q store.FindingQuery) ([]store.Finding, error) {
	all, err := c.eval(ctx)
	if err != nil {
		return nil, err
	}
	var out []store.Finding
	for _, f := range all {
		if (q.NHIID == "" || f.NHIID == q.NHIID) && (q.Rule == "" || f.Rule == q.Rule) &&
			(q.States == nil || slices.Contains(q.States, f.State)) {
			out = append(out, f)
		}
	}
	return out, nil
}

func (c *computedFindings) CountOpenFindingsByRule(ctx context.Context) (map[string]int, error) {
	all, err := c.eval(ctx)
	if err != nil {
		return nil, err
	}
	m := map[string]int{}
	for _, f := range all {
		m[f.Rule]++
	}
	return m, nil
}

// Reevaluate has nothing to do: findings are computed when read.
func (c *computedFindings) Reevaluate(context.Context, string) error { return nil }
