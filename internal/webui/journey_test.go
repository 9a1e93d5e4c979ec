package webui_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// journey drives one headless Chromium through pages, saving a
// screenshot after each step and on failure.
type journey struct {
	t    *testing.T
	ctx  context.Context
	base string
	name string
	step string
}

func newJourney(t *testing.T, base, name string) *journey {
	j := &journey{t: t, ctx: browser(t), base: base, name: name, step: "start"}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("failed at step %q; screenshot: %s", j.step, shot(t, j.ctx, "failure-"+name+"-"+slug(j.step)))
		}
	})
	return j
}

func slug(s string) string { return strings.ReplaceAll(s, " ", "-") }

func (j *journey) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	j.t.Helper()
	j.step = step
	sctx, cancel := context.WithTimeout(j.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		j.t.Fatalf("%s: %v", step, err)
	}
	shot(j.t, j.ctx, j.name+"-"+slug(step))
}

func (j *journey) text(sel string) string {
	j.t.Helper()
	sctx, cancel := context.WithTimeout(j.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		j.t.Fatalf("%s: text of %s: %v", j.step, sel, err)
	}
	return s
}

func (j *journey) value(sel string) string {
	j.t.Helper()
	sctx, cancel := context.WithTimeout(j.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[string](`document.querySelector(`+strconv.Quote(sel)+`).value`))
	if err != nil {
		j.t.Fatalf("%s: value of %s: %v", j.step, sel, err)
	}
	return v
}

// eval runs a JavaScript boolean expression on the page.
func (j *journey) eval(expr string) bool {
	j.t.Helper()
	sctx, cancel := context.WithTimeout(j.ctx, stepTimeout)
	defer cancel()
	ok, err := chromedp.Run(sctx, chromedp.Evaluate[bool](expr))
	if err != nil {
		j.t.Fatalf("%s: %s: %v", j.step, expr, err)
	}
	return ok
}

// signIn signs in through the provider's form (password pw).
func (j *journey) signIn(user, pw string) {
	j.t.Helper()
	j.do("sign in as "+user,
		chromedp.Navigate(j.base+"/"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), user),
		chromedp.SendKeys(chromedp.ID("password"), pw),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("logout")),
	)
}

func (j *journey) signOut() {
	j.t.Helper()
	j.do("sign out", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("signin")))
}

// noSidewaysScroll reports whether the page fits the window's width.
func (j *journey) noSidewaysScroll() bool {
	return j.eval(`document.documentElement.scrollWidth <= window.innerWidth`)
}

// links returns the paths of the links sel matches on this site.
func (j *journey) links(sel string) []string {
	j.t.Helper()
	sctx, cancel := context.WithTimeout(j.ctx, stepTimeout)
	defer cancel()
	out, err := chromedp.Run(sctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(`+strconv.Quote(sel)+`)).map(a => a.getAttribute("href")).filter(h => h && h.startsWith("/"))`))
	if err != nil {
		j.t.Fatalf("%s: links %s: %v", j.step, sel, err)
	}
	return out
}
