package webui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

func TestLayoutProgress(t *testing.T) {
	d := func(day int) time.Time { return time.Date(2026, 3, day, 0, 0, 0, 0, time.UTC) }
	start := d(1).Add(9 * time.Hour)
	cases := []struct {
		name      string
		byDay     []store.DayCount
		total     int
		now       time.Time
		closed    *time.Time
		wantDays  int
		wantLast  int // percent on the last day
		wantFirst int
	}{
		{"nothing decided", nil, 10, d(3).Add(time.Hour), nil, 3, 0, 0},
		{"cumulative", []store.DayCount{{Day: d(1), N: 2}, {Day: d(3), N: 3}}, 10, d(4), nil, 4, 50, 20},
		{"first day only", []store.DayCount{{Day: d(1), N: 10}}, 10, start.Add(time.Hour), nil, 1, 100, 100},
		{"ends when closed", []store.DayCount{{Day: d(2), N: 4}}, 4, d(28), ptr(d(2).Add(time.Hour)), 2, 100, 0},
		{"no items", nil, 0, d(2), nil, 2, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := layoutProgress(tc.byDay, tc.total, start, d(15), tc.closed, tc.now)
			if len(c.Days) != tc.wantDays || c.Days[len(c.Days)-1].Percent != tc.wantLast || c.Days[0].Percent != tc.wantFirst {
				t.Fatalf("days %+v", c.Days)
			}
			if got := len(strings.Fields(c.Points)); got != max(tc.wantDays, 2) {
				t.Fatalf("points %q", c.Points)
			}
			for _, p := range strings.Fields(c.Points + " " + c.Area) {
				var x, y int
				if _, err := fmtSscanf(p, &x, &y); err != nil || x < c.Left || x > c.Left+c.PlotW || y < c.Top || y > c.Top+c.PlotH {
					t.Fatalf("point %q outside the plot (%v)", p, err)
				}
			}
		})
	}
	// A long campaign shows its last 120 days; earlier decisions count
	// from the first day shown.
	long := layoutProgress([]store.DayCount{{Day: d(1), N: 5}}, 10, start, d(1).AddDate(1, 0, 0), nil, d(1).AddDate(0, 6, 0))
	if len(long.Days) != maxChartDays || long.Days[0].Percent != 50 {
		t.Fatalf("long campaign: %d days, first %+v", len(long.Days), long.Days[0])
	}
}

func ptr[T any](v T) *T { return &v }

func fmtSscanf(p string, x, y *int) (int, error) { return fmt.Sscanf(p, "%d,%d", x, y) }
