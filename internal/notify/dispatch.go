package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/syncd-dev/syncd/internal/jobs"
	"github.com/syncd-dev/syncd/internal/store"
)

// dispatchBatch is how many notifications one dispatch transaction files.
const dispatchBatch = 200

// daysAhead bounds how far a notification rolls over to a later day's
// digest when today's is already sent.
const daysAhead = 7

// deliverPayload is a notify.deliver job's payload.
type deliverPayload struct {
	Digest int64 `json:"digest"`
}

// Dispatch files every notification that has no delivery on a channel
// yet into that channel's digests, and enqueues a delivery job for each
// new digest in the same transaction. It is safe to run concurrently
// with itself: a notification is filed once per channel (the delivery's
// primary key) and a digest closes under its row lock. It returns how
// many notifications it filed.
func (s *Service) Dispatch(ctx context.Context) (int, error) {
	total := 0
	for _, ch := range s.Channels {
		for {
			now := s.now()
			ns, err := s.Store.ListUndispatchedNotifications(ctx, ch.Name(), now.Add(-s.maxAge()), dispatchBatch)
			if err != nil {
				return total, fmt.Errorf("notify: dispatch %s: %w", ch.Name(), err)
			}
			if len(ns) == 0 {
				break
			}
			err = s.Store.InTx(ctx, func(tx store.Tx) error {
				for _, n := range ns {
					if err := s.file(ctx, tx, ch, n, now); err != nil {
						return err
					}
				}
				return nil
			})
			if errors.Is(err, errFiledElsewhere) {
				break // the other dispatcher goes on; the next pass rereads
			}
			if err != nil {
				return total, fmt.Errorf("notify: dispatch %s: %w", ch.Name(), err)
			}
			total += len(ns)
			if len(ns) < dispatchBatch {
				break
			}
		}
	}
	return total, nil
}

// file puts n into the open digest of its key on the first day, from the
// day it was created, whose digest is not closed yet.
func (s *Service) file(ctx context.Context, tx store.Tx, ch Channel, n store.Notification, now time.Time) error {
	if !ch.Accepts(n.Kind) {
		_, err := tx.AddDelivery(ctx, store.NotificationDelivery{NotificationID: n.ID, Channel: ch.Name(), Reason: "kind not sent on this channel", CreatedAt: now})
		return err
	}
	day := n.CreatedAt.UTC().Truncate(24 * time.Hour)
	for i := range daysAhead {
		d := day.AddDate(0, 0, i)
		sendAfter := n.CreatedAt.Add(s.window())
		if sendAfter.Before(d) {
			sendAfter = d
		}
		key := store.DigestKey{Channel: ch.Name(), PersonID: n.PersonID, Kind: n.Kind, Subject: n.Subject, Day: d.Format(time.DateOnly)}
		dg, created, err := tx.OpenDigest(ctx, key, sendAfter)
		if err != nil {
			return err
		}
		if dg.State != store.DigestOpen {
			continue // today's message went out: the next day's digest
		}
		added, err := tx.AddDelivery(ctx, store.NotificationDelivery{NotificationID: n.ID, Channel: ch.Name(), DigestID: dg.ID, CreatedAt: now})
		if err != nil {
			return err
		}
		if !added && created {
			// Another dispatcher filed it first (an overlapping run):
			// roll back the digest this pass just opened for nothing.
			return errFiledElsewhere
		}
		if created {
			p, _ := json.Marshal(deliverPayload{Digest: dg.ID})
			_, _, err := jobs.Enqueue(ctx, tx, jobs.Job{Kind: JobDeliver, Key: digestJobKey(dg.ID), Payload: p, RunAt: dg.SendAfter, MaxAttempts: s.maxAttempts()})
			if err != nil {
				return err
			}
		}
		return nil
	}
	_, err := tx.AddDelivery(ctx, store.NotificationDelivery{NotificationID: n.ID, Channel: ch.Name(),
		Reason: fmt.Sprintf("already notified on each of the next %d days", daysAhead), CreatedAt: now})
	return err
}

// errFiledElsewhere: a concurrent dispatch filed the notification first.
var errFiledElsewhere = errors.New("notify: notification filed by another dispatcher")

func digestJobKey(id int64) string { return "digest:" + strconv.FormatInt(id, 10) }
