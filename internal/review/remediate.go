package review

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// requestRemediation marks a revoked item's take-back as requested and
// names the source whose next pull verifies it: the directory of an
// ldap-group item, the source of an NHI.
func requestRemediation(s *Service, it store.ReviewItem, now time.Time) store.Remediation {
	r := store.Remediation{State: store.RemediationRequested, RequestedAt: &now}
	if it.NHIID != "" {
		// NHIs created by hand, by import or by a request have no pull
		// that could verify them; fulfilled is as far as they go.
		switch it.Snapshot.Source {
		case "", "import", "api", "request":
		default:
			r.VerifySource = it.Snapshot.Source
		}
		return r
	}
	if ci, ok := s.items()[it.ItemID]; ok && ci.Fulfillment.Type == "ldap-group" {
		r.VerifySource = ci.Fulfillment.Params["source"]
	}
	return r
}

// remediate carries out a requested (or failed) take-back and records
// what the revoker reported: fulfilled with the adapter, or failed.
// Running it twice is harmless: an already ended grant counts as taken
// back.
func (s *Service) remediate(ctx context.Context, it store.ReviewItem) (store.ReviewItem, error) {
	if it.Remediation.State != store.RemediationRequested && it.Remediation.State != store.RemediationFailed {
		return it, nil
	}
	by := "campaign:" + it.CampaignID
	reason := "recertification: " + strings.TrimSpace(it.Justification)
	if it.Defaulted {
		reason = "recertification: non-response default (" + it.Reason + ")"
	}
	var adapter string
	var rerr error
	if it.NHIID != "" {
		adapter = "nhi"
		n, err := s.Store.GetNHI(ctx, it.NHIID)
		switch {
		case err != nil:
			rerr = err
		case s.NHI == nil:
			rerr = errors.New("no NHI service configured")
		case s.Directories[n.Source] != nil && n.Status == store.NHIActive:
			adapter = "nhi+" + n.Source
			if err := s.Directories[n.Source].DisableNHI(ctx, n); err != nil {
				rerr = fmt.Errorf("disable in %s: %w", n.Source, err)
			}
		}
		if rerr == nil {
			if _, err := s.NHI.RetireNHI(ctx, by, it.NHIID, nil); err != nil {
				if n, gerr := s.Store.GetNHI(ctx, it.NHIID); gerr != nil || n.Status == store.NHIActive {
					rerr = err
				}
			}
		}
	} else {
		adapter = "manual"
		if ci, ok := s.items()[it.ItemID]; ok && ci.Fulfillment.Type != "" {
			adapter = ci.Fulfillment.Type
		}
		if s.Revoker == nil {
			rerr = errors.New("no revoker configured")
		} else {
			rerr = s.Revoker.Revoke(ctx, it.GrantID, by, reason)
		}
		if g, err := s.Store.GetGrant(ctx, it.GrantID); err == nil {
			if g.State == store.GrantRevoked || g.State == store.GrantEnded {
				rerr = nil // taken back, now or before
			} else if g.State == store.GrantEnding {
				// The take-back is durable work of the grant lifecycle,
				// still under way (or being retried): the item stays
				// requested, and the next pass looks again.
				return it, nil
			} else if rerr == nil {
				rerr = fmt.Errorf("grant %s is still %s", g.ID, g.State)
			}
		} else if rerr == nil {
			rerr = err
		}
	}
	now := s.now()
	var out store.ReviewItem
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.UpdateReviewItem(ctx, it.ID, func(cur store.ReviewItem) (store.ReviewItem, error) {
			if cur.Remediation.State != store.RemediationRequested && cur.Remediation.State != store.RemediationFailed {
				return cur, errNothing // another process recorded it meanwhile
			}
			cur.Remediation.Adapter = adapter
			if rerr != nil {
				cur.Remediation.State, cur.Remediation.FailedAt, cur.Remediation.Error = store.RemediationFailed, &now, rerr.Error()
				return cur, nil
			}
			cur.Remediation.State, cur.Remediation.FulfilledAt, cur.Remediation.Error = store.RemediationFulfilled, &now, ""
			return cur, nil
		})
		if err != nil {
			return err
		}
		action, details := audit.ActionReviewRemediationFulfilled, map[string]any{"adapter": adapter, "campaign": it.CampaignID}
		if rerr != nil {
			action, details["error"] = audit.ActionReviewRemediationFailed, rerr.Error()
		}
		_, err = audit.Append(ctx, tx, now, audit.Entry{Actor: system, Action: action, Target: fmt.Sprintf("review-item:%d", it.ID), Details: details})
		return err
	})
	if errors.Is(err, errNothing) {
		return s.Store.GetReviewItem(ctx, it.ID)
	}
	if err != nil {
		return it, fmt.Errorf("review: remediate item %d: %w", it.ID, err)
	}
	if rerr != nil {
		return out, fmt.Errorf("review: remediate item %d: %w", it.ID, rerr)
	}
	return out, nil
}

// remediatePending carries out every requested take-back (and retries
// failed ones not yet escalated), a page at a time.
func (s *Service) remediatePending(ctx context.Context) (int, error) {
	n := 0
	var after int64
	for {
		page, err := s.Store.ListReviewItems(ctx, store.ReviewItemQuery{
			Remediation: []store.RemediationState{store.RemediationRequested, store.RemediationFailed}, AfterID: after, Limit: 200})
		if err != nil {
			return n, fmt.Errorf("review: remediation: %w", err)
		}
		if len(page) == 0 {
			return n, nil
		}
		after = page[len(page)-1].ID
		for _, it := range page {
			if it.Remediation.State == store.RemediationFailed && it.Remediation.EscalatedAt != nil {
				continue
			}
			if _, err := s.remediate(ctx, it); err != nil {
				s.logger().Warn("remediation failed", "item", it.ID, "err", err)
				continue
			}
			n++
		}
	}
}

// VerifyAfterSync checks, after a successful sync run, the take-backs
// fulfilled before it began whose access that run's source reports: an
// ldap-group membership the pull no longer shows, an NHI the pull left
// inactive. Each is marked verified with the run's id and time. The pull
// runner calls it when a run finishes.
func (s *Service) VerifyAfterSync(ctx context.Context, runID int64) (int, error) {
	run, err := s.Store.GetSyncRun(ctx, runID)
	if err != nil {
		return 0, fmt.Errorf("review: verify after run %d: %w", runID, err)
	}
	if run.Status != store.RunSucceeded {
		return 0, nil
	}
	at := run.StartedAt
	if run.FinishedAt != nil {
		at = *run.FinishedAt
	}
	items := s.items()
	members := map[string][]string{} // group dn -> members, read once per run
	n := 0
	var after int64
	for {
		page, err := s.Store.ListReviewItems(ctx, store.ReviewItemQuery{
			Remediation: []store.RemediationState{store.RemediationFulfilled, store.RemediationUnverified}, AfterID: after, Limit: 500})
		if err != nil {
			return n, fmt.Errorf("review: verify after run %d: %w", runID, err)
		}
		if len(page) == 0 {
			return n, nil
		}
		after = page[len(page)-1].ID
		for _, it := range page {
			r := it.Remediation
			if r.VerifySource != run.Source || r.FulfilledAt == nil || run.StartedAt.Before(*r.FulfilledAt) {
				continue
			}
			gone := false
			if it.NHIID != "" {
				nh, err := s.Store.GetNHI(ctx, it.NHIID)
				gone = err == nil && nh.Status != store.NHIActive
			} else {
				ci, ok := items[it.ItemID]
				if !ok {
					continue
				}
				dn := ci.Fulfillment.Params["group"]
				ms, seen := members[dn]
				if !seen {
					ms, err = s.groupMembers(ctx, run.Source, dn)
					if err != nil {
						return n, fmt.Errorf("review: verify after run %d: %w", runID, err)
					}
					members[dn] = ms
				}
				gone = ms != nil && !slices.Contains(ms, it.HolderID)
			}
			if !gone {
				continue
			}
			if err := s.markVerified(ctx, it.ID, runID, at); err != nil {
				return n, err
			}
			n++
		}
	}
}

// groupMembers returns the members of the source's group named by the
// first RDN value of dn, as the last pull recorded them; nil when the
// source has not pulled that group (nothing can be verified then).
func (s *Service) groupMembers(ctx context.Context, source, dn string) ([]string, error) {
	name := dn
	if rdn, _, _ := strings.Cut(dn, ","); strings.Contains(rdn, "=") {
		_, name, _ = strings.Cut(rdn, "=")
	}
	gs, err := s.Store.ListGroups(ctx, store.GroupQuery{Source: source, DisplayName: strings.TrimSpace(name), Limit: 2})
	if err != nil || len(gs) != 1 {
		return nil, err
	}
	ms, err := s.Store.ListGroupMembers(ctx, gs[0].ID)
	if ms == nil && err == nil {
		ms = []string{}
	}
	return ms, err
}

func (s *Service) markVerified(ctx context.Context, itemID, runID int64, at time.Time) error {
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		it, err := tx.UpdateReviewItem(ctx, itemID, func(it store.ReviewItem) (store.ReviewItem, error) {
			if it.Remediation.State != store.RemediationFulfilled && it.Remediation.State != store.RemediationUnverified {
				return it, errNothing
			}
			it.Remediation.State, it.Remediation.VerifiedRun, it.Remediation.VerifiedAt = store.RemediationVerified, runID, &at
			return it, nil
		})
		if err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, s.now(), audit.Entry{Actor: system, Action: audit.ActionReviewRemediationVerified, Target: fmt.Sprintf("review-item:%d", itemID),
			Details: map[string]any{"campaign": it.CampaignID, "syncRun": runID, "at": at}})
		return err
	})
	if errors.Is(err, errNothing) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("review: verify item %d: %w", itemID, err)
	}
	return nil
}

// escalateRemediation escalates take-backs that failed, or that no sync
// verified, for longer than the definition allows: the item is marked,
// the campaign report lists it and the fallback reviewers are notified.
func (s *Service) escalateRemediation(ctx context.Context) (int, error) {
	now := s.now()
	n := 0
	var after int64
	for {
		page, err := s.Store.ListReviewItems(ctx, store.ReviewItemQuery{
			Remediation: []store.RemediationState{store.RemediationFulfilled, store.RemediationFailed}, AfterID: after, Limit: 500})
		if err != nil {
			return n, fmt.Errorf("review: escalate remediation: %w", err)
		}
		if len(page) == 0 {
			return n, nil
		}
		after = page[len(page)-1].ID
		for _, it := range page {
			r := it.Remediation
			if r.EscalatedAt != nil {
				continue
			}
			c, err := s.Store.GetCampaign(ctx, it.CampaignID)
			if err != nil {
				return n, fmt.Errorf("review: escalate remediation: %w", err)
			}
			d, err := s.definition(c.Definition)
			if err != nil {
				continue
			}
			var since *time.Time
			switch r.State {
			case store.RemediationFailed:
				since = r.FailedAt
			case store.RemediationFulfilled:
				if r.VerifySource == "" {
					continue // no source reports this access: fulfilled is as far as it goes
				}
				since = r.FulfilledAt
			}
			if since == nil || now.Sub(*since) < d.unverifiedAfter() {
				continue
			}
			if err := s.escalateOne(ctx, d, c, it, now); err != nil {
				return n, err
			}
			n++
		}
	}
}

func (s *Service) escalateOne(ctx context.Context, d *Definition, c store.Campaign, it store.ReviewItem, now time.Time) error {
	kind := "remediation-failed"
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		up, err := tx.UpdateReviewItem(ctx, it.ID, func(it store.ReviewItem) (store.ReviewItem, error) {
			if it.Remediation.EscalatedAt != nil {
				return it, errNothing
			}
			if it.Remediation.State == store.RemediationFulfilled {
				it.Remediation.State = store.RemediationUnverified
				kind = "unverified"
			}
			it.Remediation.EscalatedAt = &now
			return it, nil
		})
		if err != nil {
			return err
		}
		text := fmt.Sprintf("%s: item %d (%s of %s) since %s", kind, up.ID, up.ItemID+up.NHIID, up.HolderID, now.Format(time.RFC3339))
		if _, err := tx.UpdateCampaign(ctx, c.ID, func(c store.Campaign) (store.Campaign, error) {
			c.Report = appendNote(c.Report, now, kind, up.ID, text)
			return c, nil
		}); err != nil {
			return err
		}
		dir := newPeople(ctx, tx, s.catalog().ApproverGroups)
		for _, p := range eligibleReviewers(dir, dir.group(d.FallbackGroup), up.HolderID) {
			if err := notify(ctx, tx, p, "review.remediation", fmt.Sprintf("review-item:%d", up.ID), text,
				fmt.Sprintf("review:remediation:%d:%s", up.ID, p), now); err != nil {
				return err
			}
		}
		_, err = audit.Append(ctx, tx, now, audit.Entry{Actor: system, Action: audit.ActionReviewRemediationEscalated, Target: fmt.Sprintf("review-item:%d", up.ID),
			Details: map[string]any{"campaign": c.ID, "kind": kind}})
		return err
	})
	if errors.Is(err, errNothing) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("review: escalate item %d: %w", it.ID, err)
	}
	return nil
}

// notify records a notification once per dedupe key.
func notify(ctx context.Context, tx store.Tx, personID, kind, subject, msg, key string, now time.Time) error {
	_, err := tx.CreateNotification(ctx, store.Notification{PersonID: personID, Kind: kind, Subject: subject, Message: msg, DedupeKey: key, CreatedAt: now})
	if errors.Is(err, store.ErrConflict) {
		return nil
	}
	return err
}
