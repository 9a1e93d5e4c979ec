package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	descQueueDepth = prometheus.NewDesc("syncd_job_queue_depth", "Jobs due now (queued, or running under a lapsed lease), by kind.", []string{"kind"}, nil)
	descOldestDue  = prometheus.NewDesc("syncd_job_oldest_due_age_seconds", "Age of the oldest job due now; 0 when none is due.", nil, nil)
	descFindings   = prometheus.NewDesc("syncd_nhi_open_findings", "Unresolved orphan findings of non-human identities, per rule.", []string{"rule"}, nil)
	descApprovals  = prometheus.NewDesc("syncd_access_pending_approvals", "Access requests waiting for approvers.", nil, nil)
	descReviews    = prometheus.NewDesc("syncd_review_items_open", "Review items of open campaigns without a decision.", nil, nil)
	descScrapeErr  = prometheus.NewDesc("syncd_metrics_gauge_errors", "Database gauges that could not be read at this scrape.", nil, nil)

	descDBOpen     = prometheus.NewDesc("syncd_db_open_connections", "Open database connections (in use and idle).", nil, nil)
	descDBInUse    = prometheus.NewDesc("syncd_db_in_use_connections", "Database connections in use.", nil, nil)
	descDBIdle     = prometheus.NewDesc("syncd_db_idle_connections", "Idle database connections.", nil, nil)
	descDBMaxOpen  = prometheus.NewDesc("syncd_db_max_open_connections", "Maximum open database connections (0: unlimited).", nil, nil)
	descDBWait     = prometheus.NewDesc("syncd_db_wait_count_total", "Waits for a free database connection.", nil, nil)
	descDBWaitTime = prometheus.NewDesc("syncd_db_wait_duration_seconds_total", "Time spent waiting for a free database connection.", nil, nil)
)

// dbCollector reads the database gauges at scrape time. A failing read
// is logged and counted in syncd_metrics_gauge_errors; the other gauges
// are still reported.
type dbCollector struct{ g Gauges }

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descQueueDepth, descOldestDue, descFindings, descApprovals, descReviews, descScrapeErr,
		descDBOpen, descDBInUse, descDBIdle, descDBMaxOpen, descDBWait, descDBWaitTime} {
		ch <- d
	}
}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	now := time.Now
	if c.g.Now != nil {
		now = c.g.Now
	}
	errs := 0
	failed := func(what string, err error) bool {
		if err == nil {
			return false
		}
		errs++
		if c.g.Logger != nil {
			c.g.Logger.Warn("metrics: read gauge", "gauge", what, "err", err)
		}
		return true
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	if c.g.JobQueue != nil {
		if depth, oldest, err := c.g.JobQueue(ctx); !failed("job queue", err) {
			for kind, n := range depth {
				gauge(descQueueDepth, float64(n), kind)
			}
			age := 0.0
			if oldest != nil {
				age = max(0, now().Sub(*oldest).Seconds())
			}
			gauge(descOldestDue, age)
		}
	}
	if c.g.OpenFindings != nil {
		if byRule, err := c.g.OpenFindings(ctx); !failed("open findings", err) {
			for rule, n := range byRule {
				gauge(descFindings, float64(n), rule)
			}
		}
	}
	count := func(d *prometheus.Desc, what string, f func(context.Context) (int, error)) {
		if f == nil {
			gauge(d, 0)
			return
		}
		if n, err := f(ctx); !failed(what, err) {
			gauge(d, float64(n))
		}
	}
	count(descApprovals, "pending approvals", c.g.PendingApprovals)
	count(descReviews, "open review items", c.g.OpenReviewItems)
	if c.g.DBStats != nil {
		s := c.g.DBStats()
		gauge(descDBOpen, float64(s.OpenConnections))
		gauge(descDBInUse, float64(s.InUse))
		gauge(descDBIdle, float64(s.Idle))
		gauge(descDBMaxOpen, float64(s.MaxOpenConnections))
		ch <- prometheus.MustNewConstMetric(descDBWait, prometheus.CounterValue, float64(s.WaitCount))
		ch <- prometheus.MustNewConstMetric(descDBWaitTime, prometheus.CounterValue, s.WaitDuration.Seconds())
	}
	gauge(descScrapeErr, float64(errs))
}
