package gormstore

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/syncd-dev/syncd/internal/store"
)

var _ store.JobTx = (*txn)(nil)

type jobRow struct {
	ID             int64 `gorm:"primaryKey"`
	Kind           string
	Key            string
	Payload        []byte
	State          string
	RunAt          time.Time
	Attempts       int
	MaxAttempts    int
	LastError      string
	LeaseHolder    string
	LeaseToken     int64
	LeaseExpiresAt *time.Time
	CreatedAt      time.Time `gorm:"autoCreateTime:false"`
	FinishedAt     *time.Time
}

func (jobRow) TableName() string { return "jobs" }

func (r jobRow) toJob() store.Job {
	return store.Job{
		ID: r.ID, Kind: r.Kind, Key: r.Key, Payload: r.Payload, State: store.JobState(r.State),
		RunAt: utc(r.RunAt), Attempts: r.Attempts, MaxAttempts: r.MaxAttempts, LastError: r.LastError,
		LeaseHolder: r.LeaseHolder, LeaseToken: r.LeaseToken, LeaseExpiresAt: utcPtr(r.LeaseExpiresAt),
		CreatedAt: utc(r.CreatedAt), FinishedAt: utcPtr(r.FinishedAt),
	}
}

// EnqueueJob inserts j unless its (kind, key) exists: ON CONFLICT DO
// NOTHING, so replicas racing to enqueue one period insert one row.
func (t *txn) EnqueueJob(ctx context.Context, j store.Job) (store.Job, bool, error) {
	op := fmt.Sprintf("enqueue job %s/%s", j.Kind, j.Key)
	if j.Kind == "" || j.Key == "" {
		return store.Job{}, false, fmt.Errorf("gormstore: %s: kind and key are required", op)
	}
	if j.MaxAttempts < 0 {
		return store.Job{}, false, fmt.Errorf("gormstore: %s: negative max attempts", op)
	}
	now := t.stamp()
	if j.RunAt.IsZero() {
		j.RunAt = now
	}
	if j.Payload == nil {
		j.Payload = []byte{}
	}
	row := jobRow{
		Kind: j.Kind, Key: j.Key, Payload: j.Payload, State: string(store.JobQueued), RunAt: utc(j.RunAt),
		MaxAttempts: j.MaxAttempts, CreatedAt: now,
	}
	var created bool
	err := t.atomic(ctx, func(t *txn) error {
		res := t.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return res.Error
		}
		created = res.RowsAffected == 1
		if created {
			return nil
		}
		row = jobRow{}
		return t.conn(ctx).Where("kind = ? AND key = ?", j.Kind, j.Key).Take(&row).Error
	})
	if err != nil {
		return store.Job{}, false, wrap(op, err)
	}
	return row.toJob(), created, nil
}

// ClaimJob updates the first due job in one statement. On PostgreSQL the
// subquery's FOR UPDATE SKIP LOCKED lets concurrent claimers pass over a
// row another is claiming instead of queueing behind it; on SQLite the
// statement runs under the single writer, which serialises claims.
func (t *txn) ClaimJob(ctx context.Context, kinds []string, holder string, now time.Time, ttl time.Duration) (store.Job, error) {
	const op = "claim job"
	if len(kinds) == 0 || holder == "" || ttl <= 0 {
		return store.Job{}, fmt.Errorf("gormstore: %s: kinds, holder and a positive ttl are required", op)
	}
	now = utc(now)
	until := now.Add(ttl)
	lock := ""
	if t.postgres() {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	// Two statements, each served by its partial index: running jobs whose
	// lease lapsed (jobs_lease_idx), then queued jobs due now
	// (jobs_due_idx). One query with an OR of both scanned the table.
	set := `UPDATE jobs SET state = ?, lease_holder = ?, lease_token = lease_token + 1, lease_expires_at = ?, attempts = attempts + 1
WHERE id = (SELECT id FROM jobs WHERE `
	due := set + `state = ? AND run_at <= ? AND kind IN ? ORDER BY run_at, id LIMIT 1` + lock + `) RETURNING *`
	lapsed := set + `state = ? AND lease_expires_at <= ? AND kind IN ? ORDER BY lease_expires_at, id LIMIT 1` + lock + `) RETURNING *`
	var rows []jobRow
	err := t.atomic(ctx, func(t *txn) error {
		// Lapsed claims first: they are rare, and behind a steady stream
		// of due jobs they would otherwise wait for a quiet moment.
		if err := t.conn(ctx).Raw(lapsed, store.JobRunning, holder, until, store.JobRunning, now, kinds).Scan(&rows).Error; err != nil || len(rows) > 0 {
			return err
		}
		return t.conn(ctx).Raw(due, store.JobRunning, holder, until, store.JobQueued, now, kinds).Scan(&rows).Error
	})
	if err != nil {
		return store.Job{}, wrap(op, err)
	}
	if len(rows) == 0 {
		return store.Job{}, fmt.Errorf("gormstore: %s: %w", op, store.ErrNotFound)
	}
	return rows[0].toJob(), nil
}

// fenced updates the job row of claim l with set, only while l is the
// current claim (and, when now is set, its lease has not lapsed). The
// UPDATE holds the row lock (the write lock on SQLite) until the
// transaction ends, so no claimer can take the job over in between.
func (t *txn) fenced(ctx context.Context, op string, l store.JobLease, now *time.Time, set map[string]any) error {
	q := t.conn(ctx).Model(&jobRow{}).Where("id = ? AND lease_token = ? AND state = ?", l.JobID, l.Token, store.JobRunning)
	if now != nil {
		q = q.Where("lease_expires_at > ?", utc(*now))
	}
	res := q.Updates(set)
	if res.Error != nil {
		return wrap(op, res.Error)
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("gormstore: %s: %w", op, store.ErrLeaseLost)
	}
	return nil
}

// RenewJobLease extends a current, unlapsed claim.
func (t *txn) RenewJobLease(ctx context.Context, l store.JobLease, now, until time.Time) error {
	return t.fenced(ctx, fmt.Sprintf("renew lease of job %d", l.JobID), l, &now, map[string]any{"lease_expires_at": utc(until)})
}

// FenceJob writes the token over itself: a no-op that takes the row lock.
func (t *txn) FenceJob(ctx context.Context, l store.JobLease, now time.Time) error {
	return t.fenced(ctx, fmt.Sprintf("fence job %d", l.JobID), l, &now, map[string]any{"lease_token": gorm.Expr("lease_token")})
}

// CompleteJob marks a current claim done.
func (t *txn) CompleteJob(ctx context.Context, l store.JobLease, now time.Time) error {
	return t.fenced(ctx, fmt.Sprintf("complete job %d", l.JobID), l, &now, map[string]any{
		"state": string(store.JobDone), "finished_at": utc(now), "lease_expires_at": nil, "last_error": "",
	})
}

// FailJob requeues or fails a current claim.
func (t *txn) FailJob(ctx context.Context, l store.JobLease, errMsg string, now time.Time, retryAt *time.Time) error {
	set := map[string]any{"last_error": errMsg, "lease_expires_at": nil}
	if retryAt != nil {
		set["state"] = string(store.JobQueued)
		set["run_at"] = utc(*retryAt)
	} else {
		set["state"] = string(store.JobFailed)
		set["finished_at"] = utc(now)
	}
	return t.fenced(ctx, fmt.Sprintf("fail job %d", l.JobID), l, &now, set)
}

// ReleaseJob requeues a claim its worker gives up without running it to
// the end; the attempt is not counted. A lapsed lease may still be
// released as long as nobody claimed the job since.
func (t *txn) ReleaseJob(ctx context.Context, l store.JobLease, now time.Time) error {
	return t.fenced(ctx, fmt.Sprintf("release job %d", l.JobID), l, nil, map[string]any{
		"state": string(store.JobQueued), "run_at": utc(now), "lease_expires_at": nil,
		"attempts": gorm.Expr("attempts - 1"),
	})
}

// GetJob reads one job.
func (t *txn) GetJob(ctx context.Context, id int64) (store.Job, error) {
	var row jobRow
	if err := t.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return store.Job{}, wrap(fmt.Sprintf("get job %d", id), err)
	}
	return row.toJob(), nil
}

// ListJobs lists jobs newest first.
func (t *txn) ListJobs(ctx context.Context, q store.JobQuery) ([]store.Job, error) {
	db := t.conn(ctx).Model(&jobRow{})
	if q.State != "" {
		db = db.Where("state = ?", string(q.State))
	}
	if q.Kind != "" {
		db = db.Where("kind = ?", q.Kind)
	}
	limit := pageLimit(q.Limit)
	var rows []jobRow
	if err := db.Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap("list jobs", err)
	}
	out := make([]store.Job, len(rows))
	for i, r := range rows {
		out[i] = r.toJob()
	}
	return out, nil
}

// RetryJob requeues a failed job with its attempts reset.
func (t *txn) RetryJob(ctx context.Context, id int64, now time.Time) (store.Job, error) {
	op := fmt.Sprintf("retry job %d", id)
	var row jobRow
	err := t.atomic(ctx, func(t *txn) error {
		if err := t.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&row).Error; err != nil {
			return err
		}
		if row.State != string(store.JobFailed) {
			return fmt.Errorf("%w: job is %s, only a failed job can be retried", store.ErrConflict, row.State)
		}
		row.State, row.RunAt, row.Attempts, row.FinishedAt, row.LeaseExpiresAt = string(store.JobQueued), utc(now), 0, nil, nil
		return t.conn(ctx).Model(&jobRow{}).Where("id = ?", id).Updates(map[string]any{
			"state": row.State, "run_at": row.RunAt, "attempts": 0, "finished_at": nil, "lease_expires_at": nil,
		}).Error
	})
	if err != nil {
		return store.Job{}, wrap(op, err)
	}
	return row.toJob(), nil
}

// JobStats counts due jobs per kind and finds the oldest.
func (t *txn) JobStats(ctx context.Context, now time.Time) (store.JobStats, error) {
	now = utc(now)
	due := func() *gorm.DB {
		return t.conn(ctx).Model(&jobRow{}).Where("(state = ? AND run_at <= ?) OR (state = ? AND lease_expires_at <= ?)",
			store.JobQueued, now, store.JobRunning, now)
	}
	var counts []struct {
		Kind string
		N    int
	}
	if err := due().Select("kind, count(*) AS n").Group("kind").Scan(&counts).Error; err != nil {
		return store.JobStats{}, wrap("job stats", err)
	}
	st := store.JobStats{DueByKind: map[string]int{}}
	for _, c := range counts {
		st.DueByKind[c.Kind] = c.N
	}
	var oldest []jobRow
	if err := due().Order("run_at, id").Limit(1).Find(&oldest).Error; err != nil {
		return store.JobStats{}, wrap("job stats", err)
	}
	if len(oldest) == 1 {
		at := utc(oldest[0].RunAt)
		st.OldestDue = &at
	}
	return st, nil
}

// DeleteFinishedJobs prunes done jobs.
func (t *txn) DeleteFinishedJobs(ctx context.Context, before time.Time) (int, error) {
	res := t.conn(ctx).Where("state = ? AND finished_at < ?", store.JobDone, utc(before)).Delete(&jobRow{})
	if res.Error != nil {
		return 0, wrap("delete finished jobs", res.Error)
	}
	return int(res.RowsAffected), nil
}
