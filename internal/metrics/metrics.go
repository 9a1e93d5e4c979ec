package metrics

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Gauges are the database reads behind the scrape-time gauges. A nil func
// reports zero: the family is there before the feature feeding it is
// wired (open review items, say).
type Gauges struct {
	// JobQueue returns jobs due now per kind and the run-at of the oldest.
	JobQueue func(ctx context.Context) (map[string]int, *time.Time, error)
	// OpenFindings returns unresolved NHI findings per rule.
	OpenFindings func(ctx context.Context) (map[string]int, error)
	// PendingApprovals counts access requests waiting for approvers.
	PendingApprovals func(ctx context.Context) (int, error)
	// OpenReviewItems counts review items without a decision.
	OpenReviewItems func(ctx context.Context) (int, error)
	// DBStats returns the connection pool's statistics.
	DBStats func() sql.DBStats
	// Store reports statements run and audit head holds.
	Store  StoreWork
	Now    func() time.Time
	Logger *slog.Logger
}

// Metrics is syncd's registry and the families it feeds.
type Metrics struct {
	reg *prometheus.Registry

	httpRequests  *prometheus.CounterVec
	httpDuration  *prometheus.HistogramVec
	scimOps       *prometheus.CounterVec
	syncRuns      *prometheus.CounterVec
	syncDuration  *prometheus.HistogramVec
	syncRecords   *prometheus.CounterVec
	jobRuns       *prometheus.CounterVec
	jobDuration   *prometheus.HistogramVec
	notifications *prometheus.CounterVec
}

// New registers every family. The gauges are read from g at each scrape,
// under the scrape's context.
func New(g Gauges) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "syncd_http_requests_total", Help: "HTTP requests by route pattern, method and status code.",
	}, []string{"route", "method", "code"})
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "syncd_http_request_duration_seconds", Help: "HTTP request latency by route pattern and method.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"route", "method"})
	m.scimOps = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "syncd_scim_operations_total", Help: "SCIM operations by IdP source, method and result.",
	}, []string{"source", "method", "result"})
	m.syncRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "syncd_sync_runs_total", Help: "Pull runs by source and result.",
	}, []string{"source", "result"})
	m.syncDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "syncd_sync_run_duration_seconds", Help: "Pull run durations by source and result.",
		Buckets: prometheus.ExponentialBuckets(0.1, 2.5, 12),
	}, []string{"source", "result"})
	m.syncRecords = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "syncd_sync_records_total", Help: "Records read by pulls, by source and outcome (created, updated, unchanged, terminated, rejected).",
	}, []string{"source", "outcome"})
	m.jobRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "syncd_job_runs_total", Help: "Job runs by kind and result (ok, retry, failed, released, lease_lost).",
	}, []string{"kind", "result"})
	m.jobDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "syncd_job_run_duration_seconds", Help: "Job run durations by kind.",
		Buckets: prometheus.ExponentialBuckets(0.005, 3, 12),
	}, []string{"kind"})
	m.notifications = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "syncd_notification_deliveries_total", Help: "Notification deliveries by channel and result.",
	}, []string{"channel", "result"})
	m.reg.MustRegister(m.httpRequests, m.httpDuration, m.scimOps, m.syncRuns, m.syncDuration, m.syncRecords,
		m.jobRuns, m.jobDuration, m.notifications,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&dbCollector{g: g}, &storeCollector{w: g.Store})
	return m
}

// Handler serves the registry in the Prometheus exposition format. With
// a non-empty token, a scrape must send "Authorization: Bearer <token>".
func (m *Metrics) Handler(token string) http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	if token == "" {
		return h
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="syncd-metrics"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// HTTPRequest records one served request; route is the ServeMux pattern
// that matched ("" when none did).
func (m *Metrics) HTTPRequest(route, method string, code int, took time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.httpRequests.WithLabelValues(route, method, strconv.Itoa(code)).Inc()
	m.httpDuration.WithLabelValues(route, method).Observe(took.Seconds())
}

// SCIMOperation records one SCIM request of source (the IdP's token
// source; "" before authentication).
func (m *Metrics) SCIMOperation(source, method string, code int) {
	if source == "" {
		source = "unauthenticated"
	}
	m.scimOps.WithLabelValues(source, method, Result(code)).Inc()
}

// Result names a status code's outcome: ok, client_error, rate_limited,
// unavailable or server_error.
func Result(code int) string {
	switch {
	case code < 400:
		return "ok"
	case code == http.StatusTooManyRequests:
		return "rate_limited"
	case code == http.StatusServiceUnavailable:
		return "unavailable"
	case code < 500:
		return "client_error"
	default:
		return "server_error"
	}
}

// SyncCounts are the record counts of one pull run.
type SyncCounts struct {
	Created, Updated, Unchanged, Terminated, Rejected int
}

// SyncRun records one finished pull run.
func (m *Metrics) SyncRun(source, result string, took time.Duration, c SyncCounts) {
	m.syncRuns.WithLabelValues(source, result).Inc()
	m.syncDuration.WithLabelValues(source, result).Observe(took.Seconds())
	for outcome, n := range map[string]int{"created": c.Created, "updated": c.Updated, "unchanged": c.Unchanged, "terminated": c.Terminated, "rejected": c.Rejected} {
		m.syncRecords.WithLabelValues(source, outcome).Add(float64(n))
	}
}

// JobRan records one job run (it implements jobs.Observer).
func (m *Metrics) JobRan(kind, result string, took time.Duration) {
	m.jobRuns.WithLabelValues(kind, result).Inc()
	m.jobDuration.WithLabelValues(kind).Observe(took.Seconds())
}

// NotificationDelivered records one notification delivery attempt.
func (m *Metrics) NotificationDelivered(channel, result string) {
	m.notifications.WithLabelValues(channel, result).Inc()
}
