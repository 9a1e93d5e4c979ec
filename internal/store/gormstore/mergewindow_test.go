package gormstore

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMergeWindow: the merged window equals the window of the sorted
// union, for random arms, offsets and limits.
func TestMergeWindow(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 3000 {
		var many, few []string
		for i := range r.IntN(40) {
			many = append(many, fmt.Sprintf("%04d-m%d", r.IntN(1000), i))
		}
		for i := range r.IntN(6) {
			few = append(few, fmt.Sprintf("%04d-f%d", r.IntN(1000), i))
		}
		slices.Sort(many)
		slices.Sort(few)
		all := slices.Sorted(slices.Values(append(slices.Clone(many), few...)))
		offset, limit := r.IntN(50), 1+r.IntN(10)
		want := all[min(offset, len(all)):min(offset+limit, len(all))]
		k := len(few)
		start := max(0, offset-k)
		window := many[min(start, len(many)):min(start+limit+k, len(many))]
		got := mergeWindow(window, start, len(window) < limit+k, few, offset, limit)
		if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Fatalf("case %d: offset %d limit %d many %v few %v: got %v, want %v", n, offset, limit, many, few, got, want)
		}
	}
}
