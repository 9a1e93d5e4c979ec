// Package metrics owns syncd's Prometheus metrics (the only importer of
// github.com/prometheus/client_golang): the counters and histograms the
// daemon's HTTP server, SCIM server, pulls and job runner feed, the gauges
// read from the database at each scrape, and the /metrics handler.
package metrics
