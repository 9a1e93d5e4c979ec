package identity

import (
	"slices"

	"github.com/syncd-dev/syncd/internal/store"
)

// jobFunctionDiff is what must change to go from a person's open
// assignments to the job functions the rules now give.
type jobFunctionDiff struct {
	Close []store.JobFunctionAssignment
	Open  []store.JobFunctionAssignment // JobFunction and Rule set
	Old   []string                      // sorted set before
	New   []string                      // sorted set after
}

// Changed reports whether the set of job functions changes.
func (d jobFunctionDiff) Changed() bool { return !slices.Equal(d.Old, d.New) }

// diffJobFunctions compares open assignments with want (job function →
// rule). An assignment that stays is kept even if another rule now produces
// it; a duplicate open assignment of one function is closed.
func diffJobFunctions(open []store.JobFunctionAssignment, want map[string]string) jobFunctionDiff {
	var d jobFunctionDiff
	held := map[string]bool{}
	for _, a := range open {
		if !a.Open() {
			continue
		}
		if _, keep := want[a.JobFunction]; !keep || held[a.JobFunction] {
			d.Close = append(d.Close, a)
			if !held[a.JobFunction] {
				d.Old = append(d.Old, a.JobFunction)
			}
			held[a.JobFunction] = true
			continue
		}
		held[a.JobFunction] = true
		d.Old = append(d.Old, a.JobFunction)
	}
	for _, jf := range sortedKeys(want) {
		if !held[jf] {
			d.Open = append(d.Open, store.JobFunctionAssignment{JobFunction: jf, Rule: want[jf]})
		}
	}
	d.New = sortedKeys(want)
	slices.Sort(d.Old)
	d.Old = slices.Compact(d.Old)
	if d.Old == nil {
		d.Old = []string{}
	}
	return d
}
