package store

import (
	"context"
	"errors"
	"time"
)

// ErrLeaseLost: the job's lease is no longer the caller's (it lapsed and
// another worker claimed the job, or the job was finished or released).
// Writes fenced by the lease must roll back.
var ErrLeaseLost = errors.New("job lease lost")

// JobState is where a job is in its life: queued (waiting for its run-at),
// running (claimed under a lease), done, or failed (out of attempts, or
// given up by its handler; an operator may retry it).
type JobState string

// Job states.
const (
	JobQueued  JobState = "queued"
	JobRunning JobState = "running"
	JobDone    JobState = "done"
	JobFailed  JobState = "failed"
)

// Job is one unit of scheduled or deferred work (see internal/jobs).
// (Kind, Key) is unique: a periodic job's key is its period, a deferred
// job's key its idempotency key.
type Job struct {
	ID          int64
	Kind        string
	Key         string
	Payload     []byte
	State       JobState
	RunAt       time.Time
	Attempts    int // claims so far, the current one included
	MaxAttempts int // 0: the runner's default
	LastError   string
	// LeaseHolder names the worker process that claimed it last;
	// LeaseToken grows at every claim and fences that claim's writes.
	LeaseHolder    string
	LeaseToken     int64
	LeaseExpiresAt *time.Time
	CreatedAt      time.Time
	FinishedAt     *time.Time
}

// JobLease identifies one claim of a job: the job and the token its claim
// received. Only the current claim's token passes the fence.
type JobLease struct {
	JobID int64
	Token int64
}

// JobQuery selects jobs to list; zero fields match all. Newest first.
type JobQuery struct {
	State JobState
	Kind  string
	Limit int // 0: DefaultLimit; All: every one
}

// JobStats is the queue at a moment, for metrics: jobs waiting per kind
// (queued and due, or running with a lapsed lease) and the run-at of the
// oldest of them.
type JobStats struct {
	DueByKind map[string]int
	OldestDue *time.Time
}

// JobTx is the storage of the job runner.
type JobTx interface {
	JobReader
	JobWriter
}

// JobReader is the reading half of JobTx.
type JobReader interface {
	// GetJob returns a job by id (ErrNotFound).
	GetJob(ctx context.Context, id int64) (Job, error)
	// ListJobs returns jobs matching q, newest first.
	ListJobs(ctx context.Context, q JobQuery) ([]Job, error)
	// JobStats counts the jobs waiting at now.
	JobStats(ctx context.Context, now time.Time) (JobStats, error)
}

// JobWriter is the writing half of JobTx.
type JobWriter interface {
	// EnqueueJob inserts j as queued unless a job with its (Kind, Key)
	// exists; it returns the stored job and whether it inserted it. Inside
	// a transaction the job commits (or not) with the caller's writes.
	EnqueueJob(ctx context.Context, j Job) (Job, bool, error)
	// ClaimJob takes the next job of one of kinds that is due at now
	// (queued with RunAt <= now, or running under a lease that lapsed),
	// oldest run-at first: it becomes running, held by holder until
	// now+ttl, with one more attempt and a new lease token. Lapsed claims
	// come first, then queued jobs by run-at. It returns
	// ErrNotFound when nothing is due. Concurrent claimers never take the
	// same claim (FOR UPDATE SKIP LOCKED on PostgreSQL, the single writer
	// on SQLite).
	ClaimJob(ctx context.Context, kinds []string, holder string, now time.Time, ttl time.Duration) (Job, error)
	// RenewJobLease extends the lease to until while l is the current
	// claim and its lease has not lapsed at now; ErrLeaseLost otherwise.
	RenewJobLease(ctx context.Context, l JobLease, now, until time.Time) error
	// FenceJob locks the job row for the rest of the transaction and fails
	// with ErrLeaseLost unless l is the current, unlapsed claim at now. A
	// handler calls it in the transaction of its writes.
	FenceJob(ctx context.Context, l JobLease, now time.Time) error
	// CompleteJob marks the claim l done, fenced like FenceJob.
	CompleteJob(ctx context.Context, l JobLease, now time.Time) error
	// FailJob records errMsg for the claim l (fenced like FenceJob): the job
	// is queued again at retryAt, or failed for good when retryAt is nil.
	FailJob(ctx context.Context, l JobLease, errMsg string, now time.Time, retryAt *time.Time) error
	// ReleaseJob gives the claim l back (queued, due at now, its attempt
	// not counted) when the worker stops before finishing; ErrLeaseLost if
	// the claim was not current.
	ReleaseJob(ctx context.Context, l JobLease, now time.Time) error
	// RetryJob queues a failed job again, due at now with its attempts
	// reset; ErrConflict when the job is not failed.
	RetryJob(ctx context.Context, id int64, now time.Time) (Job, error)
	// DeleteFinishedJobs deletes done jobs finished before before and
	// returns how many (failed jobs stay for operators).
	DeleteFinishedJobs(ctx context.Context, before time.Time) (int, error)
}
