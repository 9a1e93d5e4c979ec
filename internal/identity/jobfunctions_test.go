package identity

import (
	"slices"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

func TestDiffJobFunctions(t *testing.T) {
	closed := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	open := func(id int64, jf string) store.JobFunctionAssignment {
		return store.JobFunctionAssignment{ID: id, JobFunction: jf, Rule: "r-" + jf}
	}
	tests := []struct {
		name      string
		open      []store.JobFunctionAssignment
		want      map[string]string
		close     []int64
		opened    []string
		old, new  []string
		changed   bool
		wantRules []string
	}{
		{name: "nothing to nothing", old: []string{}, new: []string{}},
		{
			name: "new person", want: map[string]string{"b": "rb", "a": "ra"},
			opened: []string{"a", "b"}, wantRules: []string{"ra", "rb"},
			old: []string{}, new: []string{"a", "b"}, changed: true,
		},
		{
			name: "mover", open: []store.JobFunctionAssignment{open(1, "accountant"), open(2, "staff")},
			want:  map[string]string{"controller": "fc", "staff": "other-rule"},
			close: []int64{1}, opened: []string{"controller"}, wantRules: []string{"fc"},
			old: []string{"accountant", "staff"}, new: []string{"controller", "staff"}, changed: true,
		},
		{
			name: "same set, other rule: no change", open: []store.JobFunctionAssignment{open(1, "a")},
			want: map[string]string{"a": "another"}, old: []string{"a"}, new: []string{"a"},
		},
		{
			name: "terminated closes all", open: []store.JobFunctionAssignment{open(1, "a"), open(2, "b")},
			want: map[string]string{}, close: []int64{1, 2}, old: []string{"a", "b"}, new: []string{}, changed: true,
		},
		{
			name: "duplicate open assignment closed, closed ones ignored",
			open: []store.JobFunctionAssignment{open(1, "a"), open(2, "a"), {ID: 3, JobFunction: "z", ValidTo: &closed}},
			want: map[string]string{"a": "ra"}, close: []int64{2}, old: []string{"a"}, new: []string{"a"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := diffJobFunctions(tc.open, tc.want)
			var closedIDs []int64
			for _, a := range d.Close {
				closedIDs = append(closedIDs, a.ID)
			}
			var opened, rules []string
			for _, a := range d.Open {
				opened = append(opened, a.JobFunction)
				rules = append(rules, a.Rule)
			}
			if !slices.Equal(closedIDs, tc.close) || !slices.Equal(opened, tc.opened) || !slices.Equal(rules, tc.wantRules) {
				t.Errorf("close %v open %v rules %v, want close %v open %v rules %v", closedIDs, opened, rules, tc.close, tc.opened, tc.wantRules)
			}
			if !slices.Equal(d.Old, tc.old) || !slices.Equal(d.New, tc.new) || d.Changed() != tc.changed {
				t.Errorf("old %v new %v changed %v, want %v %v %v", d.Old, d.New, d.Changed(), tc.old, tc.new, tc.changed)
			}
		})
	}
}
