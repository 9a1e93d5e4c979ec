package review

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// cronParser reads standard five-field expressions (minute hour dom month dow).
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

func parseCron(expr string) (cron.Schedule, error) {
	if expr == "" {
		return nil, fmt.Errorf("missing")
	}
	s, err := cronParser.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("invalid cron expression %q: %w", expr, err)
	}
	return s, nil
}

// cronLookback bounds how far back a cron schedule is replayed to find
// the latest slot when runs are not counted.
const cronLookback = 400 * 24 * time.Hour

// dueSlot returns the latest scheduled start at or before now, if the
// schedule has one that is not over (ended, out of runs, or its campaign
// window already past). The slot names the campaign's period.
func (d *Definition) dueSlot(now time.Time) (time.Time, bool) {
	s := d.Schedule
	if s.Frequency == "" || s.Start.IsZero() || now.Before(s.Start) {
		return time.Time{}, false
	}
	var slot time.Time
	var k int // 0-based index of slot
	switch s.Frequency {
	case "once":
		slot, k = s.Start, 0
	case "weekly":
		k = int(now.Sub(s.Start) / (7 * 24 * time.Hour))
		slot = s.Start.AddDate(0, 0, 7*k)
	case "cron":
		sched, err := parseCron(s.Cron)
		if err != nil {
			return time.Time{}, false
		}
		from := s.Start.Add(-time.Second)
		if s.Runs == 0 && now.Sub(from) > cronLookback {
			from = now.Add(-cronLookback)
		}
		k = -1
		for t := sched.Next(from); !t.After(now); t = sched.Next(t) {
			slot, k = t, k+1
			if s.Runs > 0 && k+1 >= s.Runs {
				break
			}
		}
		if k < 0 {
			return time.Time{}, false
		}
		if s.Runs == 0 {
			k = 0 // counted from the lookback, not the start
		}
	default:
		months := map[string]int{"monthly": 1, "quarterly": 3, "semi-annually": 6, "annually": 12}[s.Frequency]
		if months == 0 {
			return time.Time{}, false
		}
		k = ((now.Year()-s.Start.Year())*12 + int(now.Month()) - int(s.Start.Month())) / months
		for k > 0 && s.Start.AddDate(0, k*months, 0).After(now) {
			k--
		}
		slot = s.Start.AddDate(0, k*months, 0)
	}
	if s.Runs > 0 && k >= s.Runs {
		return time.Time{}, false
	}
	if s.End != nil && slot.After(*s.End) {
		return time.Time{}, false
	}
	if !now.Before(slot.Add(d.totalDuration())) {
		return time.Time{}, false // this period's campaign would already be over
	}
	return slot.UTC(), true
}
