package main

import (
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/jobs"
)

// JobsConfig tunes the job runner that runs all scheduled and deferred
// work (see docs/operations.md). The shutdown grace period is
// server.shutdownTimeout.
//
//	jobs:
//	  workers: 4        # jobs this replica runs at once
//	  leaseTTL: 30s     # a crashed replica's job is retried after this
//	  pollInterval: 1s  # how often an idle worker looks for due jobs
//	  maxAttempts: 5    # claims before a job is failed
//	  keepDone: 168h    # finished jobs are pruned after this
//	  canary:           # off unless every is set
//	    every: 1m
//	    hold: 0s
type JobsConfig struct {
	Workers      int          `yaml:"workers"`
	LeaseTTL     Duration     `yaml:"leaseTTL"`
	PollInterval Duration     `yaml:"pollInterval"`
	MaxAttempts  int          `yaml:"maxAttempts"`
	KeepDone     Duration     `yaml:"keepDone"`
	Canary       CanaryConfig `yaml:"canary"`
}

// CanaryConfig turns on the canary job: once per period across replicas
// it appends one "jobs.canary" audit event (target "job:canary/<period>")
// in the transaction that completes the job, fenced by its lease. It shows
// that the runner works and runs each period once: one event per period,
// never two. hold keeps the job running that long before it writes (for
// fault drills: kill a replica while it holds the canary). Meant for
// staging and drills; in production it adds an audit event per period.
type CanaryConfig struct {
	Every Duration `yaml:"every"`
	Hold  Duration `yaml:"hold"`
}

// MetricsConfig is /metrics. By default it is served on server.listen
// without a token; listen moves it to an address of its own, and a token
// (tokenEnv or tokenFile, never in the file) is then required of scrapers
// as "Authorization: Bearer <token>".
//
//	metrics:
//	  listen: 127.0.0.1:9090
//	  tokenEnv: SYNCD_METRICS_TOKEN
type MetricsConfig struct {
	Disabled  bool   `yaml:"disabled"`
	Listen    string `yaml:"listen"`
	TokenEnv  string `yaml:"tokenEnv"`
	TokenFile string `yaml:"tokenFile"`
	token     string // resolved by validate
}

func jobsDefaults() JobsConfig {
	return JobsConfig{
		Workers: jobs.DefaultWorkers, LeaseTTL: Duration(jobs.DefaultLeaseTTL), PollInterval: Duration(jobs.DefaultPoll),
		MaxAttempts: jobs.DefaultMaxAttempts, KeepDone: Duration(7 * 24 * time.Hour),
	}
}

// validateOps reports every problem of the jobs and metrics sections.
func (c *Config) validateOps(getenv func(string) string) ConfigErrors {
	var errs ConfigErrors
	add := func(path, format string, args ...any) {
		errs = append(errs, FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
	}
	j := c.Jobs
	if j.Workers < 1 {
		add("jobs.workers", "must be at least 1")
	}
	if time.Duration(j.LeaseTTL) < time.Second {
		add("jobs.leaseTTL", "must be at least 1s")
	}
	if time.Duration(j.PollInterval) <= 0 {
		add("jobs.pollInterval", "must be positive")
	}
	if j.MaxAttempts < 1 {
		add("jobs.maxAttempts", "must be at least 1")
	}
	if time.Duration(j.KeepDone) < time.Hour {
		add("jobs.keepDone", "must be at least 1h")
	}
	if time.Duration(j.Canary.Every) < 0 || time.Duration(j.Canary.Hold) < 0 {
		add("jobs.canary", "every and hold must not be negative")
	}
	if time.Duration(c.Server.ShutdownTimeout) <= 0 {
		add("server.shutdownTimeout", "must be positive")
	}
	m := &c.Metrics
	if m.Listen != "" {
		if _, _, err := net.SplitHostPort(m.Listen); err != nil {
			add("metrics.listen", "not a host:port address: %q", m.Listen)
		}
	}
	switch {
	case m.TokenEnv != "" && m.TokenFile != "":
		add("metrics.tokenEnv", "give only one of tokenEnv and tokenFile")
	case m.TokenEnv != "":
		if m.token = getenv(m.TokenEnv); m.token == "" {
			add("metrics.tokenEnv", "environment variable %s is empty or unset", m.TokenEnv)
		}
	case m.TokenFile != "":
		b, err := os.ReadFile(m.TokenFile)
		if m.token = strings.TrimSpace(string(b)); err != nil || m.token == "" {
			add("metrics.tokenFile", "cannot read a token from %s", m.TokenFile)
		}
	}
	return errs
}
