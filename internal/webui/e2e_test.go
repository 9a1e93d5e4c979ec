package webui_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/syncd-dev/syncd/internal/demo"
	"github.com/syncd-dev/syncd/internal/demoidp"
	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/store"
)

// chromiumPath finds the Debian chromium binary; scripts/test-all.sh
// installs it. Without it the test fails under CI and skips elsewhere.
func chromiumPath(t *testing.T) string {
	for _, p := range []string{"/usr/lib/chromium/chromium", "/usr/bin/chromium"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed (scripts/test-all.sh installs it)")
	}
	t.Skip("chromium is not installed; run scripts/test-all.sh")
	return ""
}

// browser starts headless Chromium with a fresh profile.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, // tests run as root in CI containers
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancel := chromedp.NewExecAllocator(t.Context(), opts...)
	t.Cleanup(cancel)
	var copts []chromedp.ContextOption
	if os.Getenv("SYNCD_CDP_DEBUG") != "" {
		copts = append(copts, chromedp.WithDebugf(t.Logf))
	}
	ctx, cancel2 := chromedp.NewContext(actx, copts...)
	t.Cleanup(cancel2)
	// Start the browser on this long-lived context: a browser started on a
	// step's timeout context would close when the step ends.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// stepTimeout bounds one browser step; the machine may be busy.
const stepTimeout = time.Minute

// shot saves a full-page PNG into SYNCD_SCREENSHOTS or the test's
// artifact directory.
func shot(t *testing.T, ctx context.Context, name string) string {
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	dir := os.Getenv("SYNCD_SCREENSHOTS")
	if dir == "" {
		dir = t.ArtifactDir()
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	return path
}

// demoEnv is the web UI on the generated demo organisation.
func demoEnv(t testing.TB) *env {
	var users []demoidp.User
	for _, l := range demo.Logins() {
		users = append(users, demoidp.User{ID: "demo-" + l.Username, Username: l.Username, Password: l.Password, Name: l.Name, Email: l.Email, Groups: l.Groups})
	}
	return newEnvWith(t, true, []string{demo.SourceHR, demo.SourceIdP}, users, func(e *env, ctx context.Context) {
		_, err := demo.Generate(ctx, demo.Options{Store: e.store, Identity: func(now func() time.Time) (*identity.Service, error) {
			return identity.New(demo.IdentityConfig(), e.store, identity.WithNow(now))
		}})
		if err != nil {
			t.Fatal(err)
		}
		ns, err := e.store.ListNHIs(ctx, store.NHIQuery{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range ns {
			e.nhis[n.Name] = n.ID
		}
	})
}

// TestBrowserSignInSearchReassignSignOut drives the whole journey in
// headless Chromium: the provider's login form, home, a people search, an
// NHI with an orphan finding, reassigning its owner until the finding
// resolves, and signing out. A failing step leaves a screenshot.
func TestBrowserSignInSearchReassignSignOut(t *testing.T) {
	ctx := browser(t)
	e := demoEnv(t)
	step := "start"
	defer func() {
		if t.Failed() {
			t.Logf("failed at step %q; screenshot: %s", step, shot(t, ctx, "failure-"+strings.ReplaceAll(step, " ", "-")))
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
	}
	text := func(sel chromedp.CSS) string {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, stepTimeout)
		defer cancel()
		s, err := chromedp.Run(sctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("%s: text of %s: %v", step, sel, err)
		}
		return s
	}
	location := func() string {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, stepTimeout)
		defer cancel()
		u, err := chromedp.Run(sctx, chromedp.Location())
		if err != nil {
			t.Fatalf("%s: location: %v", step, err)
		}
		return u
	}
	keep := os.Getenv("SYNCD_SCREENSHOTS") != ""

	do("sign in",
		chromedp.Navigate(e.base+"/"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "ada"),
		chromedp.SendKeys(chromedp.ID("password"), demo.Password),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("attention")),
	)
	if h := text("h1"); h != "Hello, Ada Lindqvist" {
		t.Fatalf("home heading %q", h)
	}
	if keep {
		shot(t, ctx, "home")
	}

	do("search a person",
		chromedp.Click(chromedp.CSS(`header a[href="/people"]`)),
		chromedp.WaitVisible(chromedp.ID("q")),
		chromedp.SendKeys(chromedp.ID("q"), "Novak"),
		chromedp.Click(chromedp.ID("search")),
		// The unfiltered list has a table too: wait for the result count.
		chromedp.WaitVisible(chromedp.Search(`//p[contains(., "1 person matches")]`)),
	)
	if body := text("main"); !strings.Contains(body, "eli.novak@example.com") {
		t.Fatalf("search result: %s", body)
	}
	do("open the person",
		chromedp.Click(chromedp.Search(`//a[text()="Eli Novak"]`)),
		chromedp.WaitVisible(chromedp.ID("sources")),
	)
	body := text("main")
	for _, want := range []string{"Max Okafor", demo.SourceHR, demo.SourceIdP, "engineer"} {
		if !strings.Contains(body, want) {
			t.Fatalf("person page lacks %q", want)
		}
	}
	if keep {
		shot(t, ctx, "person")
	}

	do("find orphaned NHIs",
		chromedp.Click(chromedp.CSS(`header a[href="/nhis"]`)),
		chromedp.WaitVisible(chromedp.ID("rule")),
		chromedp.SetValue(chromedp.ID("rule"), "no-owner"),
		chromedp.Click(chromedp.ID("filter")),
		// The unfiltered list shows the same link: wait for the filtered
		// page (three NHIs of the demo have no owner).
		chromedp.WaitVisible(chromedp.Search(`//p[contains(., "3 identities match")]`)),
	)
	if keep {
		shot(t, ctx, "nhis")
	}
	do("open the NHI",
		chromedp.Click(chromedp.Search(`//a[text()="svc-backup-runner"]`)),
		chromedp.WaitVisible(chromedp.ID("findings-table")),
	)
	if f := text("#findings-table"); !strings.Contains(f, "no-owner") || !strings.Contains(f, "open") {
		t.Fatalf("findings before: %s", f)
	}
	if keep {
		shot(t, ctx, "nhi-before")
	}
	do("reassign the owner",
		chromedp.SendKeys(chromedp.ID("new_owner"), "max.okafor@example.com"),
		chromedp.SendKeys(chromedp.ID("owner_reason"), "Max's team runs the backups"),
		chromedp.Click(chromedp.ID("reassign")),
		chromedp.WaitVisible(chromedp.ID("no-findings")),
	)
	if o, u := text("#owner"), location(); !strings.Contains(o, "Max Okafor") || !strings.Contains(u, "done=owner") {
		t.Fatalf("after reassign: owner %q at %s", o, u)
	}
	if keep {
		shot(t, ctx, "nhi-after-reassign")
	}
	n, err := e.store.GetNHI(t.Context(), e.nhis["svc-backup-runner"])
	if err != nil {
		t.Fatal(err)
	}
	if maxes, _ := e.store.FindPersons(t.Context(), store.MatchEmail, "max.okafor@example.com"); len(maxes) != 1 || n.OwnerID != maxes[0].ID {
		t.Fatalf("stored owner %q", n.OwnerID)
	}

	do("sync overview",
		chromedp.Click(chromedp.CSS(`header a[href="/sync"]`)),
		chromedp.WaitVisible(chromedp.ID("runs")),
	)
	if body := text("main"); !strings.Contains(body, "scim: 3 of 12 PATCH requests rejected") || !strings.Contains(body, "503 Service Unavailable") {
		t.Fatalf("sync page: %s", body)
	}
	if keep {
		shot(t, ctx, "sync")
	}

	do("sign out",
		chromedp.Click(chromedp.ID("logout")),
		chromedp.WaitVisible(chromedp.ID("signin")),
	)
	// The old session is gone: syncd sends the browser back to sign in.
	do("after sign-out",
		chromedp.Navigate(e.base+"/people"),
		chromedp.WaitVisible(chromedp.ID("username")),
	)
	if u := location(); strings.HasPrefix(u, e.base) {
		t.Fatalf("after sign-out /people stayed on syncd: %s", u)
	}
}

// TestBrowserManagerSeesOnlyTheirTeam signs in as the demo manager: the
// people list holds only Max and the people below him, and typing an
// admin's person URL shows the not-found page.
func TestBrowserManagerSeesOnlyTheirTeam(t *testing.T) {
	base := browser(t)
	e := demoEnv(t)
	keep := os.Getenv("SYNCD_SCREENSHOTS") != ""
	defer func() {
		if t.Failed() {
			t.Logf("screenshot: %s", shot(t, base, "failure-manager"))
		}
	}()
	ctx, cancel := context.WithTimeout(base, 3*stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.base+"/"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "max"),
		chromedp.SendKeys(chromedp.ID("password"), demo.Password),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("attention")),
	); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	if keep {
		shot(t, ctx, "manager-home")
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(e.base+"/people"), chromedp.WaitVisible(chromedp.CSS("main table"))); err != nil {
		t.Fatalf("people: %v", err)
	}
	body, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	maxes, _ := e.store.FindPersons(t.Context(), store.MatchEmail, "max.okafor@example.com")
	reports, _ := e.store.CountPersons(t.Context(), store.PersonQuery{ManagerID: maxes[0].ID})
	if !strings.Contains(body, "eli.novak@example.com") || strings.Contains(body, "ada.lindqvist@example.com") ||
		!strings.Contains(body, strconv.Itoa(reports+1)+" people match") {
		t.Fatalf("manager's people list (%d reports): %s", reports, body)
	}
	if keep {
		shot(t, ctx, "manager-people")
	}
	adas, _ := e.store.FindPersons(t.Context(), store.MatchEmail, "ada.lindqvist@example.com")
	if err := chromedp.Do(ctx, chromedp.Navigate(e.base+"/people/"+adas[0].ID), chromedp.WaitVisible(chromedp.CSS("p.error-box"))); err != nil {
		t.Fatalf("tampered URL: %v", err)
	}
	if body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(body, "Person not found") || strings.Contains(body, "ada.lindqvist") {
		t.Fatalf("tampered URL page: %s", body)
	}
	if keep {
		shot(t, ctx, "manager-tampered-url")
	}
}
