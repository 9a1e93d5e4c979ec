package metrics_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/metrics"
)

func scrape(t *testing.T, h http.Handler, auth string) (int, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestEveryFamily: once fed, every family the operations reference names
// is exposed, with the values fed.
func TestEveryFamily(t *testing.T) {
	oldest := time.Now().Add(-90 * time.Second)
	m := metrics.New(metrics.Gauges{
		JobQueue: func(context.Context) (map[string]int, *time.Time, error) {
			return map[string]int{"access.sweep": 2}, &oldest, nil
		},
		OpenFindings:     func(context.Context) (map[string]int, error) { return map[string]int{"no-owner": 3}, nil },
		PendingApprovals: func(context.Context) (int, error) { return 4, nil },
		DBStats:          func() sql.DBStats { return sql.DBStats{OpenConnections: 5, MaxOpenConnections: 10} },
	})
	m.HTTPRequest("GET /readyz", "GET", 200, time.Millisecond)
	m.SCIMOperation("okta", "POST", 201)
	m.SCIMOperation("okta", "POST", 503)
	m.SyncRun("hr", "ok", time.Second, metrics.SyncCounts{Created: 7})
	m.JobRan("access.sweep", "ok", time.Second)
	m.NotificationDelivered("smtp", "ok")
	code, body := scrape(t, m.Handler(""), "")
	if code != 200 {
		t.Fatalf("scrape: %d", code)
	}
	for _, want := range []string{
		`syncd_http_requests_total{code="200",method="GET",route="GET /readyz"} 1`,
		`syncd_http_request_duration_seconds_bucket{method="GET",route="GET /readyz",le="0.005"} 1`,
		`syncd_scim_operations_total{method="POST",result="ok",source="okta"} 1`,
		`syncd_scim_operations_total{method="POST",result="unavailable",source="okta"} 1`,
		`syncd_sync_runs_total{result="ok",source="hr"} 1`,
		`syncd_sync_run_duration_seconds_count{result="ok",source="hr"} 1`,
		`syncd_sync_records_total{outcome="created",source="hr"} 7`,
		`syncd_job_runs_total{kind="access.sweep",result="ok"} 1`,
		`syncd_job_run_duration_seconds_count{kind="access.sweep"} 1`,
		`syncd_job_queue_depth{kind="access.sweep"} 2`,
		`syncd_job_oldest_due_age_seconds 9`, // 90.x s
		`syncd_nhi_open_findings{rule="no-owner"} 3`,
		`syncd_access_pending_approvals 4`,
		`syncd_review_items_open 0`,
		`syncd_notification_deliveries_total{channel="smtp",result="ok"} 1`,
		`syncd_db_open_connections 5`,
		`syncd_db_max_open_connections 10`,
		`syncd_metrics_gauge_errors 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("missing %s", want)
		}
	}
}

// TestGaugeErrorAndToken: a failing gauge is counted and the others still
// reported; a configured token is required.
func TestGaugeErrorAndToken(t *testing.T) {
	m := metrics.New(metrics.Gauges{
		OpenFindings:     func(context.Context) (map[string]int, error) { return nil, errors.New("db down") },
		PendingApprovals: func(context.Context) (int, error) { return 1, nil },
	})
	h := m.Handler("s3cret")
	if code, _ := scrape(t, h, ""); code != http.StatusUnauthorized {
		t.Fatalf("no token: %d", code)
	}
	if code, _ := scrape(t, h, "Bearer wrong"); code != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d", code)
	}
	code, body := scrape(t, h, "Bearer s3cret")
	if code != 200 || !strings.Contains(body, "syncd_metrics_gauge_errors 1") || !strings.Contains(body, "syncd_access_pending_approvals 1") {
		t.Fatalf("scrape with failing gauge: %d\n%s", code, body)
	}
}
