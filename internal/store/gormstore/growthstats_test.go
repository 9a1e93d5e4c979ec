package gormstore

import "testing"

func TestNeedsAnalyze(t *testing.T) {
	for _, c := range []struct {
		live      int64
		reltuples float64
		want      bool
	}{
		{0, -1, false},
		{growthMinRows - 1, -1, false}, // too small to matter
		{growthMinRows, -1, true},      // never analyzed
		{growthMinRows, 0, true},       // analyzed while empty
		{1000, 600, false},             // grown by less than double
		{1200, 600, true},
		{5000, 100000, false}, // shrunk
	} {
		if got := needsAnalyze(c.live, c.reltuples); got != c.want {
			t.Errorf("needsAnalyze(%d, %.0f) = %v, want %v", c.live, c.reltuples, got, c.want)
		}
	}
}
