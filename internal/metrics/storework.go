package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	descStatements = prometheus.NewDesc("syncd_db_statements_total",
		"SQL statements run (BEGIN and COMMIT not counted): divided by requests, the round trips each costs.", nil, nil)
	descAuditHold = prometheus.NewDesc("syncd_audit_head_hold_seconds",
		"How long transactions held the audit chain's head, from locking it to the end of the transaction.", nil, nil)
	descAuditHoldMax = prometheus.NewDesc("syncd_audit_head_hold_max_seconds",
		"The longest hold of the audit chain's head since start.", nil, nil)
)

// StoreWork is what the store reports about its own work; nil funcs
// report nothing.
type StoreWork struct {
	// Statements counts SQL statements since the store was opened.
	Statements func() int64
	// AuditLockHold returns the transactions that held the audit head,
	// their mean hold and the longest.
	AuditLockHold func() (n int64, mean, longest time.Duration)
}

type storeCollector struct{ w StoreWork }

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descStatements
	ch <- descAuditHold
	ch <- descAuditHoldMax
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	if c.w.Statements != nil {
		ch <- prometheus.MustNewConstMetric(descStatements, prometheus.CounterValue, float64(c.w.Statements()))
	}
	if c.w.AuditLockHold != nil {
		n, mean, longest := c.w.AuditLockHold()
		ch <- prometheus.MustNewConstSummary(descAuditHold, uint64(n), mean.Seconds()*float64(n), nil)
		ch <- prometheus.MustNewConstMetric(descAuditHoldMax, prometheus.GaugeValue, longest.Seconds())
	}
}
