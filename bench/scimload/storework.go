package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// storeWork is what syncd's /metrics says about its database work at one
// moment: statements run, and the audit chain head's holds (count, total
// seconds).
type storeWork struct {
	ok                bool
	statements, holds float64
	holdSeconds       float64
}

// scrapeStoreWork reads syncd_db_statements_total and
// syncd_audit_head_hold_seconds from url; ok is false when it cannot.
func scrapeStoreWork(url string) storeWork {
	if url == "" {
		return storeWork{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return storeWork{}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return storeWork{}
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return storeWork{}
	}
	var w storeWork
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil {
			continue
		}
		switch name {
		case "syncd_db_statements_total":
			w.statements, w.ok = v, true
		case "syncd_audit_head_hold_seconds_count":
			w.holds = v
		case "syncd_audit_head_hold_seconds_sum":
			w.holdSeconds = v
		}
	}
	return w
}

// workNote describes the store's work between two scrapes over n
// requests: statements per request and the mean audit head hold.
func workNote(before, after storeWork, n int) string {
	if !before.ok || !after.ok || n == 0 {
		return ""
	}
	s := fmt.Sprintf(" stmts/req=%.1f", (after.statements-before.statements)/float64(n))
	if h := after.holds - before.holds; h > 0 {
		s += fmt.Sprintf(" audit-hold=%s", time.Duration((after.holdSeconds-before.holdSeconds)/h*1e9).Round(time.Microsecond))
	}
	return s
}
