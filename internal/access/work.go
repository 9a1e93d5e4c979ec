package access

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/store"
)

// Defaults of the fulfillment worker.
const (
	defaultLease         = 5 * time.Minute
	defaultMaxAttempts   = 5
	defaultEscalateAfter = 3
	defaultBackoff       = 30 * time.Second
	maxBackoff           = time.Hour
)

// errFenced: the worker's lease was taken over; its outcome is not
// recorded (the new lease holder does the work again, idempotently).
var errFenced = errors.New("access: grant work lease was taken over")

// Kick asks the worker loop (RunWorker) to process due work now. It never
// blocks: kicks while a run is under way fold into one more run.
func (s *Service) Kick() {
	s.kickOnce.Do(func() { s.kicks = make(chan struct{}, 1) })
	select {
	case s.kicks <- struct{}{}:
	default:
	}
}

// RunWorker processes fulfillment and take-back work whenever Kick is
// called, until ctx ends. The daemon runs it once, with its own context, so
// the work started after an HTTP request commits never depends on that
// request's connection; the periodic loop covers retries and other
// replicas' work.
func (s *Service) RunWorker(ctx context.Context) {
	s.kickOnce.Do(func() { s.kicks = make(chan struct{}, 1) })
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.kicks:
		}
		if _, err := s.ProcessFulfillments(ctx); err != nil && ctx.Err() == nil {
			s.Logger.Warn("access: fulfillment work", "err", err)
		}
	}
}

// ProcessFulfillments claims due grant work (fulfillment of pending
// grants, take-back of ending ones), carries out the external change, and
// records each attempt: the grant moves on, or the work is due again after
// a backoff. Safe to run in several processes at once: each grant is
// leased to one worker, and only the lease holder records the outcome.
func (s *Service) ProcessFulfillments(ctx context.Context) (int, error) {
	n := 0
	for {
		token, err := leaseToken()
		if err != nil {
			return n, err
		}
		now := s.now()
		claimed, err := s.Store.ClaimGrantWork(ctx, now, now.Add(s.lease()), token, 20)
		if err != nil {
			return n, mapErr("fulfillment work", err)
		}
		var errs []error
		for _, g := range claimed {
			if err := s.work(ctx, g, token); err != nil && !errors.Is(err, errFenced) {
				errs = append(errs, err)
			}
			n++
		}
		if len(errs) > 0 {
			return n, errors.Join(errs...)
		}
		if len(claimed) < 20 {
			return n, nil
		}
	}
}

func leaseToken() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("access: lease token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

func (s *Service) lease() time.Duration {
	if s.Lease > 0 {
		return s.Lease
	}
	return defaultLease
}

func (s *Service) backoff(attempts int) time.Duration {
	b := s.Backoff
	if b <= 0 {
		b = defaultBackoff
	}
	for i := 1; i < attempts && b < maxBackoff; i++ {
		b *= 2
	}
	return min(b, maxBackoff)
}

func (s *Service) maxAttempts() int {
	if s.MaxAttempts > 0 {
		return s.MaxAttempts
	}
	return defaultMaxAttempts
}

func (s *Service) escalateAfter() int {
	if s.EscalateAfter > 0 {
		return s.EscalateAfter
	}
	return defaultEscalateAfter
}

// work carries out one claimed grant's work.
func (s *Service) work(ctx context.Context, g store.Grant, token string) error {
	// The external call must end well within the lease, so a slow target
	// cannot outlive it and race the next lease holder.
	cctx, cancel := context.WithTimeout(ctx, s.lease()/2)
	defer cancel()
	if g.State == store.GrantEnding || g.State == store.GrantEnded || g.State == store.GrantRevoked {
		return s.takeBack(cctx, g, token)
	}
	return s.fulfil(cctx, g, token)
}

func fulfillmentKind(it catalog.Item) string {
	if it.Fulfillment.Type == "" {
		return "manual"
	}
	return it.Fulfillment.Type
}

// fulfil runs the item's fulfiller for a pending grant (or re-asserts an
// active one) after re-checking that it may still take effect.
func (s *Service) fulfil(ctx context.Context, g store.Grant, token string) error {
	it, itemOK := s.item(g.ItemID)
	var holder store.Person
	refusal := ""
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		if holder, err = tx.GetPerson(ctx, g.HolderID); err != nil {
			return err
		}
		if g.State == store.GrantPending {
			refusal, err = s.recheckActivation(ctx, tx, g, it, itemOK, holder)
		}
		return err
	})
	if err != nil {
		return mapErr("fulfil", err)
	}
	kind := fulfillmentKind(it)
	var (
		ref  string
		done bool
		ferr error
	)
	if refusal == "" {
		f, ok := s.Fulfillers[kind]
		if !ok {
			ferr = fmt.Errorf("no %s fulfiller is configured", kind)
		} else {
			ref, done, ferr = f.Grant(ctx, g, it, holder)
		}
	}
	now := s.now()
	return s.record(ctx, g.ID, token, func(tx store.Tx, cur store.Grant) (store.Grant, []audit.Entry, error) {
		details := map[string]any{"fulfillment": kind}
		cur.Work.LeaseUntil, cur.Work.LeaseToken = nil, ""
		switch {
		case refusal != "":
			cur.State, cur.FulfillmentStatus, cur.FulfillmentError, cur.Work.DueAt = store.GrantFailed, "failed", "re-check: "+refusal, nil
			details["status"], details["error"] = "refused", refusal
			return cur, []audit.Entry{{Actor: "system:fulfillment", Action: audit.ActionGrantRefusedOnRecheck, Target: "grant:" + cur.ID, Details: details}}, nil
		case ferr != nil:
			cur.Work.Attempts++
			cur.FulfillmentError = ferr.Error()
			details["error"], details["attempt"] = ferr.Error(), cur.Work.Attempts
			if cur.State == store.GrantPending && cur.Work.Attempts >= s.maxAttempts() {
				cur.State, cur.FulfillmentStatus, cur.Work.DueAt = store.GrantFailed, "failed", nil
			} else {
				due := now.Add(s.backoff(cur.Work.Attempts))
				cur.Work.DueAt = &due
			}
			details["status"] = cur.FulfillmentStatus
			return cur, []audit.Entry{{Actor: "fulfillment:" + kind, Action: audit.ActionGrantFulfillment, Target: "grant:" + cur.ID, Details: details}}, nil
		}
		cur.Work.Attempts++
		cur.FulfillmentError, cur.FulfillmentRef = "", ref
		if done {
			cur.FulfillmentStatus = "done"
		} else {
			cur.FulfillmentStatus = "awaiting-confirmation"
		}
		details["status"], details["ref"] = cur.FulfillmentStatus, ref
		cur.Work.DueAt = nil
		switch cur.State {
		case store.GrantPending:
			if done {
				cur.State = store.GrantActive
				if err := notifyCredentialReady(ctx, tx, cur, it, now); err != nil {
					return cur, nil, err
				}
			}
		case store.GrantEnding, store.GrantEnded, store.GrantRevoked:
			// Ended while the fulfiller ran: what it just did is taken
			// back, never left in place and never made active.
			cur.TakeBack.State, cur.TakeBack.Adapter = "requested", kind
			cur.Work.DueAt = &now
			details["takeBack"] = "the grant ended while it was fulfilled; taking it back"
		}
		entries := []audit.Entry{{Actor: "fulfillment:" + kind, Action: audit.ActionGrantFulfillment, Target: "grant:" + cur.ID, Details: details}}
		if !done && cur.State == store.GrantPending {
			if _, err := tx.CreateNotification(ctx, store.Notification{
				PersonID: it.OwnerID, Kind: "fulfillment.confirm", Subject: "grant:" + cur.ID,
				Message:   fmt.Sprintf("Grant %s to %s and confirm it is done", it.Name, holder.Name()),
				DedupeKey: "grant:" + cur.ID + ":confirm", CreatedAt: now,
			}); err != nil && it.OwnerID != "" && !errors.Is(err, store.ErrConflict) {
				return cur, nil, err
			}
		}
		return cur, entries, nil
	})
}

// recheckActivation re-runs what can change between a decision and its
// grant taking effect: the item still in the catalog and live, the holder
// still active, and separation of duties against what the holder holds
// now. It returns why the grant may not take effect, or "".
func (s *Service) recheckActivation(ctx context.Context, tx store.Tx, g store.Grant, it catalog.Item, itemOK bool, holder store.Person) (string, error) {
	switch {
	case !itemOK:
		return fmt.Sprintf("item %s is no longer in the catalog", g.ItemID), nil
	case it.Retired:
		return fmt.Sprintf("item %s was retired", it.ID), nil
	case holder.Status != store.StatusActive:
		return fmt.Sprintf("%s is %s, not active", holder.Name(), holder.Status), nil
	case g.Assurance == store.AssuranceImported || g.Assurance == store.AssuranceBirthright:
		return "", nil
	}
	held, err := heldOther(ctx, tx, g, s.relevantItems(it))
	if err != nil {
		return "", err
	}
	pol := s.Policy()
	for _, other := range held {
		if pol.Conflicts(it.ID, other) {
			return fmt.Sprintf("separation of duties: %s holds %s, which conflicts with %s", holder.Name(), other, it.ID), nil
		}
	}
	return "", nil
}

// heldOther is what the grant's holder holds live besides this grant.
func heldOther(ctx context.Context, tx store.Reader, g store.Grant, only []string) ([]string, error) {
	q := store.GrantQuery{HolderID: g.HolderID, ItemIDs: only, States: []store.GrantState{store.GrantActive, store.GrantPending}, Limit: 10000}
	if g.HolderNHIID != "" {
		q = store.GrantQuery{HolderNHIID: g.HolderNHIID, ItemIDs: only, States: q.States, Limit: q.Limit}
	}
	gs, err := tx.ListGrants(ctx, q)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, o := range gs {
		if o.ID != g.ID && o.HolderNHIID == g.HolderNHIID {
			out = append(out, o.ItemID)
		}
	}
	return out, nil
}

// record writes the outcome of a worker's attempt if the worker still
// holds the grant's lease (fencing), with its audit events, in one
// transaction.
func (s *Service) record(ctx context.Context, id, token string, fn func(store.Tx, store.Grant) (store.Grant, []audit.Entry, error)) error {
	now := s.now()
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		var entries []audit.Entry
		if _, err := updateGrant(ctx, tx, id, func(cur store.Grant) (store.Grant, error) {
			if cur.Work.LeaseToken != token {
				return cur, errFenced
			}
			next, es, err := fn(tx, cur)
			entries = es
			return next, err
		}); err != nil {
			return err
		}
		_, err := audit.AppendAll(ctx, tx, now, entries...)
		return err
	})
	if errors.Is(err, errFenced) {
		s.Logger.Warn("access: grant work lease lost; the next lease holder redoes it", "grant", id)
		return errFenced
	}
	return mapErrNil("record grant work", err)
}

// takeBack removes an ending grant's access in the target system, unless
// another live grant of the same item for the same holder still justifies
// it, and then ends the grant. A failed take-back stays ending, visible
// with its error, and is retried; after EscalateAfter attempts the item
// owner is told.
func (s *Service) takeBack(ctx context.Context, g store.Grant, token string) error {
	it, _ := s.item(g.ItemID)
	kind := fulfillmentKind(it)
	var (
		holder   store.Person
		keptBy   string
		external = g.FulfillmentStatus == "done" || g.Work.Attempts > 0
	)
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		if holder, err = tx.GetPerson(ctx, g.HolderID); err != nil {
			return err
		}
		keptBy, err = otherLiveGrant(ctx, tx, g)
		return err
	})
	if err != nil {
		return mapErr("take back", err)
	}
	var rerr error
	if external && keptBy == "" {
		if f, ok := s.Fulfillers[kind]; ok {
			rerr = f.Revoke(ctx, g, it, holder)
		} else {
			rerr = fmt.Errorf("no %s fulfiller is configured", kind)
		}
	}
	now := s.now()
	var reassert []string
	err = s.record(ctx, g.ID, token, func(tx store.Tx, cur store.Grant) (store.Grant, []audit.Entry, error) {
		cur.Work.LeaseUntil, cur.Work.LeaseToken = nil, ""
		cur.TakeBack.Adapter = kind
		details := map[string]any{"item": cur.ItemID, "holder": cur.HolderID, "adapter": kind}
		if rerr != nil {
			cur.TakeBack.Attempts++
			cur.TakeBack.Error = rerr.Error()
			due := now.Add(s.backoff(cur.TakeBack.Attempts))
			cur.Work.DueAt = &due
			details["error"], details["attempt"] = rerr.Error(), cur.TakeBack.Attempts
			if cur.TakeBack.Attempts >= s.escalateAfter() {
				cur.TakeBack.State = "failed"
				if it.OwnerID != "" {
					if _, err := tx.CreateNotification(ctx, store.Notification{
						PersonID: it.OwnerID, Kind: "takeback.failed", Subject: "grant:" + cur.ID,
						Message: fmt.Sprintf("Taking back %s from %s failed %d times (%s); remove the access by hand or fix the target",
							it.Name, holder.Name(), cur.TakeBack.Attempts, rerr.Error()),
						DedupeKey: "grant:" + cur.ID + ":takeback-failed", CreatedAt: now,
					}); err != nil && !errors.Is(err, store.ErrConflict) {
						return cur, nil, err
					}
				}
			}
			return cur, []audit.Entry{{Actor: "fulfillment:" + kind, Action: audit.ActionGrantTakeBackFailed, Target: "grant:" + cur.ID, Details: details}}, nil
		}
		final := cur.Work.EndState
		if final == "" {
			final = store.GrantEnded
		}
		if cur.State == store.GrantEnding {
			cur.State = final
		}
		cur.TakeBack.State, cur.TakeBack.Error, cur.TakeBack.DoneAt = "done", "", &now
		cur.Work.DueAt = nil
		cur.FulfillmentStatus = "removed"
		switch {
		case keptBy != "":
			details["kept"] = "grant " + keptBy + " still holds the item"
			cur.FulfillmentStatus = "kept"
		case !external:
			details["kept"] = "nothing was carried out"
		}
		// A live grant that appeared while the access was removed gets
		// its access asserted again (idempotently).
		others, err := tx.ListGrants(ctx, store.GrantQuery{HolderID: cur.HolderID, ItemID: cur.ItemID, States: []store.GrantState{store.GrantActive}, Limit: 100})
		if err != nil {
			return cur, nil, err
		}
		for _, o := range others {
			if o.HolderNHIID == cur.HolderNHIID && keptBy == "" && external {
				reassert = append(reassert, o.ID)
			}
		}
		return cur, []audit.Entry{{Actor: "fulfillment:" + kind, Action: audit.ActionGrantTakenBack, Target: "grant:" + cur.ID, Details: details}}, nil
	})
	if err != nil || len(reassert) == 0 {
		return err
	}
	return s.Store.InTx(ctx, func(tx store.Tx) error {
		for _, id := range reassert {
			if _, err := updateGrant(ctx, tx, id, func(o store.Grant) (store.Grant, error) {
				if o.State == store.GrantActive && o.Work.DueAt == nil {
					o.Work.DueAt = &now
				}
				return o, nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
}

// otherLiveGrant returns the id of another live grant of the same item for
// the same holder (requested, birthright or imported), or "".
func otherLiveGrant(ctx context.Context, tx store.Reader, g store.Grant) (string, error) {
	gs, err := tx.ListGrants(ctx, store.GrantQuery{HolderID: g.HolderID, ItemID: g.ItemID, States: []store.GrantState{store.GrantActive, store.GrantPending}, Limit: 100})
	if err != nil {
		return "", err
	}
	for _, o := range gs {
		if o.ID != g.ID && o.HolderNHIID == g.HolderNHIID {
			return o.ID, nil
		}
	}
	return "", nil
}
