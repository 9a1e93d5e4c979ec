package store

import "time"

// RunStatus is the state of a sync run.
type RunStatus string

const (
	RunRunning   RunStatus = "running"
	RunSucceeded RunStatus = "succeeded"
	RunFailed    RunStatus = "failed"
	// RunPartial: the run applied what it read but skipped part of its
	// work (deletion detection after an inconsistent read, or terminations
	// held by the mass-termination threshold); Error says what and why.
	RunPartial RunStatus = "partial"
)

// RunCounts are the per-run counters a source reports.
type RunCounts struct {
	Read, Created, Updated, Unchanged, Disabled, Terminated, Rejected int
}

// Rejection is one record a run refused, with the reason.
type Rejection struct {
	ExternalID string
	Reason     string
}

// SyncRun records one pull or push batch from a source.
type SyncRun struct {
	ID         int64
	Source     string
	Mode       string // full | incremental | push
	Status     RunStatus
	StartedAt  time.Time
	FinishedAt *time.Time
	Counts     RunCounts
	Watermark  string
	// Error is why the run failed or, for a partial run, what it skipped
	// and why.
	Error      string
	Rejections []Rejection
}
