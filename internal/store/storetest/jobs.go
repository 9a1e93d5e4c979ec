package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var jobTests = []test{
	{"enqueue once per key", testJobEnqueueOnce},
	{"claim, renew, complete", testJobClaimComplete},
	{"lapsed lease is fenced out", testJobFencing},
	{"fail, retry", testJobFailRetry},
	{"release", testJobRelease},
	{"lapsed claims come before due jobs", testJobLapsedFirst},
	{"concurrent claims", testJobConcurrentClaims},
	{"enqueue rolls back with its transaction", testJobEnqueueInTx},
}

func testJobEnqueueOnce(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, created, err := s.EnqueueJob(ctx, store.Job{Kind: "k", Key: "p1", Payload: []byte(`{"a":1}`), RunAt: at(0)})
	must(t, "enqueue", err)
	if !created || a.State != store.JobQueued || a.ID == 0 || string(a.Payload) != `{"a":1}` {
		t.Fatalf("enqueue: %v %+v", created, a)
	}
	b, created, err := s.EnqueueJob(ctx, store.Job{Kind: "k", Key: "p1", Payload: []byte(`other`)})
	must(t, "enqueue again", err)
	if created || b.ID != a.ID || string(b.Payload) != `{"a":1}` {
		t.Fatalf("second enqueue of one key: %v %+v", created, b)
	}
	_, created, err = s.EnqueueJob(ctx, store.Job{Kind: "other", Key: "p1"})
	must(t, "other kind", err)
	if !created {
		t.Fatal("same key of another kind was not created")
	}
	_, _, err = s.EnqueueJob(ctx, store.Job{Kind: "k"})
	if err == nil {
		t.Fatal("enqueue without key succeeded")
	}
}

func testJobClaimComplete(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, err := s.ClaimJob(ctx, []string{"k"}, "w1", at(0), time.Minute)
	wantErr(t, "claim empty", err, store.ErrNotFound)
	_, _, err = s.EnqueueJob(ctx, store.Job{Kind: "k", Key: "later", RunAt: at(time.Hour)})
	must(t, "enqueue later", err)
	j, _, err := s.EnqueueJob(ctx, store.Job{Kind: "k", Key: "now", RunAt: at(0)})
	must(t, "enqueue now", err)
	_, err = s.ClaimJob(ctx, []string{"other"}, "w1", at(time.Second), time.Minute)
	wantErr(t, "claim other kind", err, store.ErrNotFound)
	c, err := s.ClaimJob(ctx, []string{"k"}, "w1", at(time.Second), time.Minute)
	must(t, "claim", err)
	if c.ID != j.ID || c.State != store.JobRunning || c.Attempts != 1 || c.LeaseToken != 1 || c.LeaseHolder != "w1" ||
		c.LeaseExpiresAt == nil || !c.LeaseExpiresAt.Equal(stored(at(time.Second+time.Minute))) {
		t.Fatalf("claim: %+v", c)
	}
	_, err = s.ClaimJob(ctx, []string{"k"}, "w2", at(2*time.Second), time.Minute)
	wantErr(t, "claim while held (the other is not due)", err, store.ErrNotFound)
	l := store.JobLease{JobID: c.ID, Token: c.LeaseToken}
	must(t, "renew", s.RenewJobLease(ctx, l, at(30*time.Second), at(2*time.Minute)))
	must(t, "fence", s.InTx(ctx, func(tx store.Tx) error { return tx.FenceJob(ctx, l, at(90*time.Second)) }))
	must(t, "complete", s.CompleteJob(ctx, l, at(100*time.Second)))
	got, err := s.GetJob(ctx, c.ID)
	must(t, "get", err)
	if got.State != store.JobDone || got.FinishedAt == nil || got.LeaseExpiresAt != nil {
		t.Fatalf("after complete: %+v", got)
	}
	wantErr(t, "complete twice", s.CompleteJob(ctx, l, at(100*time.Second)), store.ErrLeaseLost)
	_, err = s.ClaimJob(ctx, []string{"k"}, "w2", at(time.Hour+time.Minute), time.Minute)
	must(t, "the later job comes due", err)
}

func testJobFencing(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, _, err := s.EnqueueJob(ctx, store.Job{Kind: "k", Key: "p", RunAt: at(0)})
	must(t, "enqueue", err)
	first, err := s.ClaimJob(ctx, []string{"k"}, "w1", at(0), time.Minute)
	must(t, "claim", err)
	old := store.JobLease{JobID: first.ID, Token: first.LeaseToken}
	// w1 stalls past its lease: its own writes are refused even before
	// anyone else claims.
	wantErr(t, "renew lapsed", s.RenewJobLease(ctx, old, at(time.Minute), at(2*time.Minute)), store.ErrLeaseLost)
	wantErr(t, "fence lapsed", s.FenceJob(ctx, old, at(time.Minute)), store.ErrLeaseLost)
	second, err := s.ClaimJob(ctx, []string{"k"}, "w2", at(61*time.Second), time.Minute)
	must(t, "claim lapsed", err)
	if second.ID != first.ID || second.LeaseToken != first.LeaseToken+1 || second.Attempts != 2 || second.LeaseHolder != "w2" {
		t.Fatalf("reclaim: %+v", second)
	}
	// w1 comes back within what it thinks its lease is: still refused.
	wantErr(t, "complete by the old claim", s.CompleteJob(ctx, old, at(30*time.Second)), store.ErrLeaseLost)
	wantErr(t, "fail by the old claim", s.FailJob(ctx, old, "x", at(30*time.Second), nil), store.ErrLeaseLost)
	wantErr(t, "release by the old claim", s.ReleaseJob(ctx, old, at(30*time.Second)), store.ErrLeaseLost)
	err = s.InTx(ctx, func(tx store.Tx) error { return tx.FenceJob(ctx, old, at(62*time.Second)) })
	wantErr(t, "fence by the old claim", err, store.ErrLeaseLost)
	must(t, "complete by the new claim", s.CompleteJob(ctx, store.JobLease{JobID: second.ID, Token: second.LeaseToken}, at(62*time.Second)))
}

func testJobFailRetry(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, _, err := s.EnqueueJob(ctx, store.Job{Kind: "k", Key: "p", RunAt: at(0)})
	must(t, "enqueue", err)
	c, err := s.ClaimJob(ctx, []string{"k"}, "w1", at(0), time.Minute)
	must(t, "claim", err)
	retry := at(10 * time.Second)
	must(t, "fail with retry", s.FailJob(ctx, store.JobLease{JobID: c.ID, Token: c.LeaseToken}, "boom", at(time.Second), &retry))
	_, err = s.ClaimJob(ctx, []string{"k"}, "w1", at(5*time.Second), time.Minute)
	wantErr(t, "claim before retry", err, store.ErrNotFound)
	_, err = s.RetryJob(ctx, c.ID, at(5*time.Second))
	wantErr(t, "operator retry of a queued job", err, store.ErrConflict)
	c, err = s.ClaimJob(ctx, []string{"k"}, "w1", at(10*time.Second), time.Minute)
	must(t, "claim at retry", err)
	if c.Attempts != 2 || c.LastError != "boom" {
		t.Fatalf("retried claim: %+v", c)
	}
	must(t, "fail for good", s.FailJob(ctx, store.JobLease{JobID: c.ID, Token: c.LeaseToken}, "boom again", at(11*time.Second), nil))
	failed, err := s.ListJobs(ctx, store.JobQuery{State: store.JobFailed})
	must(t, "list failed", err)
	if len(failed) != 1 || failed[0].ID != c.ID || failed[0].LastError != "boom again" || failed[0].FinishedAt == nil {
		t.Fatalf("failed jobs: %+v", failed)
	}
	st, err := s.JobStats(ctx, at(time.Hour))
	must(t, "stats", err)
	if len(st.DueByKind) != 0 || st.OldestDue != nil {
		t.Fatalf("stats with only a failed job: %+v", st)
	}
	r, err := s.RetryJob(ctx, c.ID, at(time.Minute))
	must(t, "operator retry", err)
	if r.State != store.JobQueued || r.Attempts != 0 {
		t.Fatalf("after operator retry: %+v", r)
	}
	st, err = s.JobStats(ctx, at(time.Hour))
	must(t, "stats", err)
	if st.DueByKind["k"] != 1 || st.OldestDue == nil || !st.OldestDue.Equal(stored(at(time.Minute))) {
		t.Fatalf("stats: %+v", st)
	}
	_, err = s.RetryJob(ctx, 999999, at(0))
	wantErr(t, "retry missing", err, store.ErrNotFound)
}

func testJobRelease(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, _, err := s.EnqueueJob(ctx, store.Job{Kind: "k", Key: "p", RunAt: at(0)})
	must(t, "enqueue", err)
	c, err := s.ClaimJob(ctx, []string{"k"}, "w1", at(0), time.Minute)
	must(t, "claim", err)
	must(t, "release", s.ReleaseJob(ctx, store.JobLease{JobID: c.ID, Token: c.LeaseToken}, at(time.Second)))
	again, err := s.ClaimJob(ctx, []string{"k"}, "w2", at(time.Second), time.Minute)
	must(t, "claim after release", err)
	if again.Attempts != 1 || again.LeaseToken != 2 {
		t.Fatalf("after release: %+v", again)
	}
	n, err := s.DeleteFinishedJobs(ctx, at(time.Hour))
	must(t, "prune", err)
	if n != 0 {
		t.Fatalf("pruned a running job")
	}
}

// testJobConcurrentClaims: many workers claiming at once never get the
// same claim, and every job is claimed once.
func testJobConcurrentClaims(t *testing.T, s store.Store) {
	ctx := t.Context()
	const jobs, workers = 40, 8
	for i := range jobs {
		_, _, err := s.EnqueueJob(ctx, store.Job{Kind: "k", Key: string(rune('a'+i%26)) + string(rune('0'+i/26)), RunAt: at(0)})
		must(t, "enqueue", err)
	}
	var (
		mu   sync.Mutex
		seen = map[int64]int{}
		wg   sync.WaitGroup
		errs = make(chan error, workers)
	)
	for w := range workers {
		wg.Go(func() {
			for {
				c, err := s.ClaimJob(ctx, []string{"k"}, "w"+string(rune('0'+w)), at(time.Second), time.Hour)
				if err != nil {
					if !errors.Is(err, store.ErrNotFound) {
						errs <- err
					}
					return
				}
				mu.Lock()
				seen[c.ID]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("claim: %v", err)
	}
	if len(seen) != jobs {
		t.Fatalf("claimed %d distinct jobs, want %d", len(seen), jobs)
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("job %d claimed %d times", id, n)
		}
	}
}

func testJobEnqueueInTx(t *testing.T, s store.Store) {
	ctx := t.Context()
	err := s.InTx(ctx, func(tx store.Tx) error {
		if _, _, err := tx.EnqueueJob(ctx, store.Job{Kind: "k", Key: "rolled-back"}); err != nil {
			return err
		}
		return store.ErrConflict
	})
	wantErr(t, "tx", err, store.ErrConflict)
	jobs, err := s.ListJobs(ctx, store.JobQuery{})
	must(t, "list", err)
	if len(jobs) != 0 {
		t.Fatalf("jobs after rollback: %+v", jobs)
	}
}

// testJobLapsedFirst: a crashed worker's job (lease lapsed) is claimed
// before queued jobs that are due, so a steady stream of due jobs cannot
// starve it.
func testJobLapsedFirst(t *testing.T, s store.Store) {
	ctx := t.Context()
	crashed, _, err := s.EnqueueJob(ctx, store.Job{Kind: "k", Key: "crashed", RunAt: at(time.Minute)})
	must(t, "enqueue", err)
	_, err = s.ClaimJob(ctx, []string{"k"}, "dead", at(time.Minute), time.Second)
	must(t, "claim", err)
	_, _, err = s.EnqueueJob(ctx, store.Job{Kind: "k", Key: "due", RunAt: at(0)})
	must(t, "enqueue due", err)
	c, err := s.ClaimJob(ctx, []string{"k"}, "alive", at(2*time.Minute), time.Minute)
	must(t, "claim", err)
	if c.ID != crashed.ID || c.Attempts != 2 {
		t.Fatalf("claimed %+v, want the lapsed job first", c)
	}
	c, err = s.ClaimJob(ctx, []string{"k"}, "alive", at(2*time.Minute), time.Minute)
	must(t, "claim due", err)
	if c.Key != "due" {
		t.Fatalf("second claim %+v", c)
	}
}
