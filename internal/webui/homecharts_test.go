package webui_test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserHomeChartsHaveOneCaptionEach: each chart on the admin's
// home page has exactly one caption, right under it and no wider than
// its own column, and no caption text repeats elsewhere in the section;
// on a phone too.
func TestBrowserHomeChartsHaveOneCaptionEach(t *testing.T) {
	e := newEnv(t, true)
	for _, width := range []int64{1280, 390} {
		name := "home-charts-desktop"
		if width == 390 {
			name = "home-charts-phone"
		}
		t.Run(name, func(t *testing.T) {
			j := newJourney(t, e.base, name)
			if width == 390 {
				j.do("narrow the screen", chromedp.EmulateViewport(390, 844))
			}
			j.signIn("carol", "pw-carol")
			j.do("show the charts", chromedp.WaitVisible(chromedp.ID("charts")), chromedp.ScrollIntoView(chromedp.ID("charts")))
			if !j.eval(`document.querySelectorAll("#charts-section figure").length === 2`) {
				t.Fatal("expected two chart figures")
			}
			// One caption per figure, and nothing else in the section
			// carries a caption.
			if !j.eval(`[...document.querySelectorAll("#charts-section figure")].every(f => f.querySelectorAll("figcaption").length === 1) &&
				document.querySelectorAll("#charts-section caption").length === 0`) {
				t.Error("a chart has no caption, two captions, or the section has a table caption besides")
			}
			// Each caption's words appear once in what the section shows.
			if !j.eval(`(() => {
				const shown = document.querySelector("#charts-section").innerText;
				return [...document.querySelectorAll("#charts-section figcaption")].every(c => shown.split(c.innerText.trim()).length === 2);
			})()`) {
				t.Error("a chart's caption text is shown twice")
			}
			// The caption sits right under its own chart, within its column.
			if !j.eval(`[...document.querySelectorAll("#charts-section figure")].every(f => {
				const img = f.querySelector("img").getBoundingClientRect(), c = f.querySelector("figcaption").getBoundingClientRect();
				return c.top >= img.bottom - 1 && c.top - img.bottom < 24 && c.left >= img.left - 1 && c.right <= img.right + 1;
			})`) {
				t.Error("a caption is not right under its chart")
			}
			if width == 390 && !j.noSidewaysScroll() {
				t.Error("the home page scrolls sideways at 390 px")
			}
		})
	}
}
