package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	oldPercent := debug.SetGCPercent(100)
	oldLimit := debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() {
		debug.SetGCPercent(oldPercent)
		debug.SetMemoryLimit(oldLimit)
	})
	env := func(m map[string]string) func(string) string {
		return func(k string) string { return m[k] }
	}
	for _, tc := range []struct {
		name        string
		env         map[string]string
		wantPercent int
		wantLimit   int64
	}{
		{"defaults", nil, 400, 512 << 20},
		{"GOGC wins", map[string]string{"GOGC": "100"}, 100, 512 << 20},
		{"GOMEMLIMIT wins", map[string]string{"GOMEMLIMIT": "1GiB"}, 400, math.MaxInt64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(math.MaxInt64)
			tuneGC(env(tc.env), 512<<20)
			if got := debug.SetGCPercent(100); got != tc.wantPercent {
				t.Errorf("GC percent = %d, want %d", got, tc.wantPercent)
			}
			if got := debug.SetMemoryLimit(-1); got != tc.wantLimit {
				t.Errorf("memory limit = %d, want %d", got, tc.wantLimit)
			}
		})
	}
}

func TestTuneProcs(t *testing.T) {
	old := runtime.GOMAXPROCS(0)
	t.Cleanup(func() { runtime.GOMAXPROCS(old) })
	for _, tc := range []struct{ cpus, want int }{{1, 2}, {2, 4}, {4, 8}, {5, 5}, {16, 16}} {
		if got := doubledProcs(tc.cpus); got != tc.want {
			t.Errorf("doubledProcs(%d) = %d, want %d", tc.cpus, got, tc.want)
		}
	}
	runtime.GOMAXPROCS(3)
	tuneProcs(func(k string) string { return map[string]string{"GOMAXPROCS": "3"}[k] })
	if got := runtime.GOMAXPROCS(0); got != 3 {
		t.Errorf("with GOMAXPROCS=3 in the environment: %d Ps, want 3", got)
	}
	tuneProcs(func(string) string { return "" })
	if got := runtime.GOMAXPROCS(0); got != 6 {
		t.Errorf("without GOMAXPROCS in the environment, from 3: %d Ps, want 6", got)
	}
}
