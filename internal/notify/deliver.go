package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/jobs"
	"github.com/syncd-dev/syncd/internal/store"
)

// errClosed: the digest was finished by an earlier claim.
var errClosed = errors.New("notify: digest already finished")

// Deliver is the notify.deliver job: it closes the digest to new
// notifications, drops what is no longer relevant, sends the rest as one
// message and marks the digest sent in the transaction that completes
// the job (fenced by the job's lease).
func (s *Service) Deliver(ctx context.Context, run *jobs.Run) error {
	var p deliverPayload
	if err := json.Unmarshal(run.Job.Payload, &p); err != nil || p.Digest == 0 {
		return fmt.Errorf("notify: deliver: bad payload %q: %w", run.Job.Payload, jobs.ErrPermanent)
	}
	// Close the digest and count the attempt, fenced: a worker that lost
	// the job does not count.
	var d store.NotificationDigest
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		if err := run.Fence(ctx, tx); err != nil {
			return err
		}
		var err error
		d, err = tx.UpdateDigest(ctx, p.Digest, func(d store.NotificationDigest) (store.NotificationDigest, error) {
			if d.State != store.DigestOpen && d.State != store.DigestSending {
				return d, errClosed
			}
			d.State, d.Attempts = store.DigestSending, d.Attempts+1
			return d, nil
		})
		return err
	})
	if errors.Is(err, errClosed) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("notify: deliver digest %d: %w", p.Digest, err)
	}
	ch := s.channel(d.Channel)
	if ch == nil {
		return s.finish(ctx, run, d, store.DigestFailed, "channel "+d.Channel+" is not configured", "failed")
	}
	msg, ok, err := s.compose(ctx, d)
	if err != nil {
		return fmt.Errorf("notify: deliver digest %d: %w", d.ID, err)
	}
	if !ok {
		return s.finish(ctx, run, d, store.DigestDropped, "nothing left to tell: every notice is about something already done", "dropped")
	}
	if err := ch.Send(ctx, msg); err != nil {
		if errors.Is(err, ErrNoAddress) {
			return s.finish(ctx, run, d, store.DigestDropped, err.Error(), "dropped")
		}
		if run.Job.Attempts >= s.maxAttempts() || errors.Is(err, jobs.ErrPermanent) {
			if ferr := s.finish(ctx, run, d, store.DigestFailed, err.Error(), "failed"); ferr != nil {
				return ferr
			}
			return nil
		}
		s.observe(d.Channel, "retry")
		s.recordError(ctx, d.ID, err)
		return fmt.Errorf("notify: send digest %d on %s: %w", d.ID, d.Channel, err)
	}
	// A crash here sends the message again at the next claim (same
	// Message-ID): at most once per claim.
	return s.finish(ctx, run, d, store.DigestSent, "", "ok")
}

// finish records the digest's end and completes the job in one
// transaction, fenced by the lease.
func (s *Service) finish(ctx context.Context, run *jobs.Run, d store.NotificationDigest, state store.DigestState, why, result string) error {
	now := s.now()
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.UpdateDigest(ctx, d.ID, func(d store.NotificationDigest) (store.NotificationDigest, error) {
			if d.State != store.DigestSending {
				return d, fmt.Errorf("notify: digest %d is %s, not sending: %w", d.ID, d.State, store.ErrConflict)
			}
			d.State, d.LastError = state, why
			if state == store.DigestSent {
				d.SentAt = &now
			}
			return d, nil
		}); err != nil {
			return err
		}
		return run.Complete(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("notify: finish digest %d: %w", d.ID, err)
	}
	s.observe(d.Channel, result)
	if state != store.DigestSent {
		run.Logger.Info("notify: digest "+string(state), "digest_id", d.ID, "channel", d.Channel, "reason", why)
	}
	return nil
}

// recordError keeps the last send error on the digest for operators.
func (s *Service) recordError(ctx context.Context, id int64, sendErr error) {
	_, err := s.Store.UpdateDigest(ctx, id, func(d store.NotificationDigest) (store.NotificationDigest, error) {
		d.LastError = sendErr.Error()
		return d, nil
	})
	if err != nil {
		s.logger().Warn("notify: record send error", "digest_id", id, "err", err)
	}
}

// Register adds the dispatch (periodic, every) and delivery jobs to r.
func (s *Service) Register(r *jobs.Runner, every time.Duration) {
	r.Periodic(JobDispatch, or(every, DefaultDispatch), func(ctx context.Context, run *jobs.Run) error {
		n, err := s.Dispatch(ctx)
		if n > 0 {
			run.Logger.Info("notify: filed notifications", "count", n)
			r.Wake()
		}
		return err
	})
	r.Handle(JobDeliver, s.Deliver)
}
