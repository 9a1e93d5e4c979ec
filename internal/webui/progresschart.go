package webui

import (
	"strconv"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// progressDay is one day of a campaign: decisions made that day and
// the share decided by its end.
type progressDay struct {
	Day       time.Time
	Decided   int
	Cumulated int
	Percent   int
}

// progressChart is a campaign's decided share over time, drawn as a
// server-side SVG line (no script); Days is the same as a table.
type progressChart struct {
	Width, Height   int
	Left, Top       int // the plot's offset inside the SVG
	PlotW, PlotH    int
	Points          string // the polyline
	Area            string // the polygon under it
	FirstDay, Today string
	AxisEnd         string // the last day on the axis (the deadline while ahead)
	LastX           int    // x of today
	LastY           int    // y of today's share
	TodayLabel      bool   // room to label today between the ends
	DueX            int    // x of the deadline; 0: outside the plot
	Days            []progressDay
	Summary         string
}

// maxChartDays bounds the chart to the last this many days of a long
// campaign.
const maxChartDays = 120

// layoutProgress lays out the cumulative decided share from the day the
// campaign started to today (or the day it closed), total items in all.
func layoutProgress(byDay []store.DayCount, total int, started, due time.Time, closed *time.Time, now time.Time) progressChart {
	c := progressChart{Width: 640, Height: 180, Left: 40, Top: 10}
	c.PlotW, c.PlotH = c.Width-c.Left-10, c.Height-c.Top-30
	day := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }
	first, last := day(started.UTC()), day(now.UTC())
	if closed != nil {
		last = day(closed.UTC())
	}
	if last.Before(first) {
		last = first
	}
	per := map[time.Time]int{}
	for _, d := range byDay {
		per[d.Day.UTC()] += d.N
	}
	if n := int(last.Sub(first).Hours()/24) + 1; n > maxChartDays {
		first = last.AddDate(0, 0, -(maxChartDays - 1))
	}
	before := 0 // decided before the first day shown
	for d, k := range per {
		if d.Before(first) {
			before += k
		}
	}
	cum := before
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		cum += per[d]
		p := 0
		if total > 0 {
			p = cum * 100 / total
		}
		c.Days = append(c.Days, progressDay{Day: d, Decided: per[d], Cumulated: cum, Percent: p})
	}
	n := len(c.Days)
	// The axis runs to the deadline while it is ahead, so the line
	// shows how far there is to go.
	axis := n
	if dd := day(due.UTC()); closed == nil && dd.After(last) && int(dd.Sub(first).Hours()/24)+1 <= maxChartDays {
		axis = int(dd.Sub(first).Hours()/24) + 1
	}
	x := func(i int) int {
		if axis == 1 {
			return c.Left + c.PlotW
		}
		return c.Left + i*c.PlotW/(axis-1)
	}
	y := func(p int) int { return c.Top + c.PlotH - p*c.PlotH/100 }
	var pts []string
	for i, d := range c.Days {
		pts = append(pts, strconv.Itoa(x(i))+","+strconv.Itoa(y(d.Percent)))
	}
	switch {
	case n == 1 && axis == 1: // one day, all of the axis
		pts = append([]string{strconv.Itoa(c.Left) + "," + strconv.Itoa(y(c.Days[0].Percent))}, pts...)
	case n == 1: // the first day of many: the rise from nothing
		pts = append([]string{strconv.Itoa(c.Left) + "," + strconv.Itoa(y(0))}, pts...)
	}
	c.Points = strings.Join(pts, " ")
	base := strconv.Itoa(y(0))
	c.Area = strings.SplitN(pts[0], ",", 2)[0] + "," + base + " " + c.Points + " " + strings.SplitN(pts[len(pts)-1], ",", 2)[0] + "," + base
	c.FirstDay, c.Today = first.Format("2006-01-02"), last.Format("2006-01-02")
	c.LastX, c.LastY, c.AxisEnd = x(n-1), y(c.Days[n-1].Percent), first.AddDate(0, 0, axis-1).Format("2006-01-02")
	c.TodayLabel = c.LastX > c.Left+90 && c.LastX < c.Left+c.PlotW-90
	if dd := day(due.UTC()); !dd.Before(first) && int(dd.Sub(first).Hours()/24) < axis && axis > 1 {
		c.DueX = x(int(dd.Sub(first).Hours() / 24))
	}
	lastDay := c.Days[n-1]
	c.Summary = strconv.Itoa(lastDay.Percent) + "% decided by " + c.Today + ", from " + strconv.Itoa(c.Days[0].Percent) + "% on " + c.FirstDay
	return c
}
