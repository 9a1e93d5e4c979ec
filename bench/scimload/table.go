package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// peakRSS reads the peak resident set size (VmHWM) of process pid, in
// bytes; 0 when it cannot be read.
func peakRSS(pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// printTable prints issue 19's table for the phases that ran: figures,
// the goal, and whether it was met.
func (l *loader) printTable() {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/1e6) }
	yes := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}
	fmt.Println()
	fmt.Println("| work | rate | p50 | p99 | floor in the same run | goal | | statements/request, audit head hold |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	floor, hasFloor := l.results["raw-full"]
	if !hasFloor {
		floor, hasFloor = l.results["raw-insert"]
	}
	if r, ok := l.results["create"]; ok {
		goal := 2000.0
		if os.Getenv("SCIMLOAD_DB") == "postgres" {
			goal = 1500
		}
		fl, ok := "", r.rate >= goal && r.p99 < 50*time.Millisecond && r.failures == 0
		if hasFloor {
			fl = fmt.Sprintf("%.0f/s (create = %.2fx)", floor.rate, r.rate/floor.rate)
			ok = ok && r.rate >= 0.5*floor.rate
		}
		fmt.Printf("| POST /Users | %.0f/s | %s | %s | %s | ≥ %.0f/s, p99 < 50 ms, ≥ 0.5x floor | %s | %s |\n",
			r.rate, ms(r.p50), ms(r.p99), fl, goal, yes(ok), strings.TrimSpace(r.work))
	}
	if r, ok := l.results["filtered-get"]; ok {
		fmt.Printf("| GET filter userName eq | %.0f/s | %s | %s | | ≥ 5,000/s, p99 < 20 ms | %s | %s |\n",
			r.rate, ms(r.p50), ms(r.p99), yes(r.rate >= 5000 && r.p99 < 20*time.Millisecond && r.failures == 0), strings.TrimSpace(r.work))
	}
	if r, ok := l.results["group-members"]; ok {
		fmt.Printf("| PATCH /Groups add/remove one member | %.0f/s | %s | %s | | none in the issue (reported) | %d failures | %s |\n",
			r.rate, ms(r.p50), ms(r.p99), r.failures, strings.TrimSpace(r.work))
	}
	if r, ok := l.results["page"]; ok {
		fmt.Printf("| GET startIndex=90%% count=100 | %.0f/s | %s | %s | | < 50 ms | %s | %s |\n",
			r.rate, ms(r.p50), ms(r.p99), yes(r.p50 < 50*time.Millisecond && r.failures == 0), strings.TrimSpace(r.work))
	}
	if r, ok := l.results["contains"]; ok {
		fmt.Printf("| GET displayName co \"ab\", 200 | %.0f/s | %s | %s | | < 100 ms | %s | %s |\n",
			r.rate, ms(r.p50), ms(r.p99), yes(r.p50 < 100*time.Millisecond && r.failures == 0), strings.TrimSpace(r.work))
	}
	if l.rss > 0 {
		fmt.Printf("| peak RSS | %d MB | | | | ≤ 200 MB | %s | |\n", l.rss>>20, yes(l.rss <= 200<<20))
	}
}
