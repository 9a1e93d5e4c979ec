package store

import "time"

// RunStatus is the state of a sync run.
type RunStatus string

const (
	RunRunning   RunStatus = "running"
	RunSucceeded RunStatus = "succeeded"
	RunFailed    RunStatus = "failed"
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
	Error      string
	Rejections []Rejection
}
