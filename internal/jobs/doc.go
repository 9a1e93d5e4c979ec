// Package jobs is syncd's one runner for scheduled and deferred work:
// pulls, NHI evaluation, access sweeps and fulfillment, session cleanup,
// campaign ticks, notification delivery. Jobs are rows of the database
// (store.JobTx), so replicas sharing PostgreSQL share one queue.
//
// # Registering work
//
//	r := &jobs.Runner{Store: st, Holder: "host:pid:start", Logger: logger}
//
//	// Once per (kind, period) across every replica: the period's row is
//	// keyed kind + period start, inserted with ON CONFLICT DO NOTHING.
//	r.Periodic("access.sweep", time.Minute, func(ctx context.Context, run *jobs.Run) error {
//		return svc.Sweep(ctx)
//	})
//
//	// Deferred one-off work: a handler per kind, and Enqueue inside the
//	// caller's transaction, so the job exists exactly when the caller's
//	// writes commit (a transactional outbox). The key is the idempotency
//	// key: a second Enqueue with the same (kind, key) is a no-op.
//	r.Handle("grant.fulfill", func(ctx context.Context, run *jobs.Run) error {...})
//	st.InTx(ctx, func(tx store.Tx) error {
//		... // the business writes
//		_, err := jobs.Enqueue(ctx, tx, jobs.Job{Kind: "grant.fulfill", Key: grantID, Payload: p})
//		return err
//	})
//
//	go r.Run(ctx) // until ctx ends; see Run for the drain
//
// # Leases and fencing
//
// A worker claims a due job with a lease (Runner.LeaseTTL) that it renews
// while the handler runs; every claim gets a new lease token. A worker
// that stalls past its lease (or crashed) loses the job to the next
// claimer, and its writes are fenced out: the completion of a claim is an
// UPDATE conditioned on its token and unlapsed lease, so it fails with
// store.ErrLeaseLost. A handler whose effects must happen once writes
// them in a transaction that calls run.Complete(ctx, tx) (or run.Fence
// to only check): the effects and the job's completion then commit
// together or not at all, and a stale worker's transaction rolls back.
// Handlers whose effects are idempotent by themselves (sweeps guarded by
// row locks and state machines) need not fence.
//
// # Failures
//
// A handler error requeues the job after a backoff (exponential with
// jitter) until MaxAttempts claims, then the job is failed; operators
// list failed jobs and retry them (syncd jobs list / jobs retry). A job
// whose worker died is claimed again once its lease lapses, and counts
// that claim as an attempt, so a job that kills its process cannot loop.
//
// # Shutdown
//
// When Run's context ends the runner stops claiming, lets running handlers
// finish for Grace, then cancels them and releases their leases (the job
// is due again at once, its attempt not counted) before Run returns.
package jobs
