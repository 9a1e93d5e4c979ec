package review

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/store"
)

// requestRemediation marks a revoked item's take-back as requested and
// names the source whose next pull verifies it: the directory of an
// ldap-group item, the pull source that reads a scim item's application,
// the source of an NHI.
func requestRemediation(s *Service, it store.ReviewItem, now time.Time) store.Remediation {
	r := store.Remediation{State: store.RemediationRequested, RequestedAt: &now}
	if it.NHIID != "" {
		// NHIs created by hand, by import or by a request have no pull
		// that could verify them.
		if !localNHISource(it.Snapshot.Source) {
			r.VerifySource = it.Snapshot.Source
		}
		return r
	}
	r.VerifySource, _ = s.grantVerification(it.ItemID)
	return r
}

func localNHISource(src string) bool {
	switch src {
	case "", "import", "api", "request":
		return true
	}
	return false
}

// grantVerification names the pull source that reports whether a grant
// of the item is still held in the target, or says why none does.
func (s *Service) grantVerification(itemID string) (source, reason string) {
	ci, ok := s.items()[itemID]
	if !ok {
		return "", fmt.Sprintf("item %s is no longer in the catalog: nothing says where its access lives", itemID)
	}
	p := ci.Fulfillment.Params
	switch ci.Fulfillment.Type {
	case "ldap-group":
		if p["source"] != "" {
			return p["source"], ""
		}
		return "", "ldap-group fulfillment names no source whose pull reads the group"
	case "scim":
		// The application's groups are read back only when a pull source
		// reads them: fulfillment params.source names it.
		if p["source"] != "" {
			return p["source"], ""
		}
		return "", fmt.Sprintf("scim fulfillment in app %q: no pull source reads the app's groups (fulfillment params.source names one)", p["app"])
	case "webhook":
		return "", "webhook fulfillment: the receiver acknowledged the revoke event, and no source syncd reads reports this access"
	case "", "manual":
		return "", "manual fulfillment: the item owner removes it by hand, and no source syncd reads reports this access"
	case "api-key":
		return "", "api-key fulfillment: syncd retired the key it issued, and no source syncd reads reports the key's use"
	}
	return "", fmt.Sprintf("%s fulfillment: no source syncd reads reports this access", ci.Fulfillment.Type)
}

// notVerifiable says why a fulfilled take-back cannot be verified, or ""
// when a sync (or, for a pushed NHI, the source's next push) can.
func (s *Service) notVerifiable(ctx context.Context, it store.ReviewItem) string {
	if it.Remediation.VerifySource != "" {
		return ""
	}
	if it.NHIID != "" {
		return fmt.Sprintf("NHI recorded in syncd (source %q): no source syncd reads reports it", it.Snapshot.Source)
	}
	_, reason := s.grantVerification(it.ItemID)
	if reason == "" {
		reason = "no source was named to verify it when it was revoked"
	}
	return reason
}

// remediate carries out a requested (or failed) take-back and records
// what happened: fulfilled with the adapter (not-verifiable, with the
// reason, when no source reports that access), or failed. A grant already
// ending is the grant lifecycle's durable take-back under way: the item
// stays requested until it completes, and fails (still retried there)
// when the lifecycle records the take-back failed. Running it twice is
// harmless: an already ended grant counts as taken back.
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
		g, err := s.Store.GetGrant(ctx, it.GrantID)
		if err == nil && (g.State == store.GrantActive || g.State == store.GrantPending || g.State == store.GrantFailed) {
			// Still held: hand it to the grant lifecycle.
			if s.Revoker == nil {
				rerr = errors.New("no revoker configured")
			} else {
				rerr = s.Revoker.Revoke(ctx, it.GrantID, by, reason)
			}
			g, err = s.Store.GetGrant(ctx, it.GrantID)
		}
		switch {
		case err != nil:
			rerr = err
		case g.State == store.GrantRevoked || g.State == store.GrantEnded:
			rerr = nil // taken back, now or before
			if g.TakeBack.Adapter != "" {
				adapter = g.TakeBack.Adapter
			}
		case g.State == store.GrantEnding && g.TakeBack.State == "failed":
			rerr = fmt.Errorf("take-back through %s failed %d times: %s (the grant lifecycle keeps retrying)", g.TakeBack.Adapter, g.TakeBack.Attempts, g.TakeBack.Error)
		case g.State == store.GrantEnding:
			// The take-back is durable work of the grant lifecycle,
			// still under way (or being retried): the item stays as it
			// is, and the next pass looks again.
			return it, nil
		case rerr == nil:
			rerr = fmt.Errorf("grant %s is still %s", g.ID, g.State)
		}
	}
	unverifiable := ""
	if rerr == nil {
		unverifiable = s.notVerifiable(ctx, it)
	}
	now := s.now()
	var out store.ReviewItem
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.UpdateReviewItem(ctx, it.ID, func(cur store.ReviewItem) (store.ReviewItem, error) {
			r := cur.Remediation
			if r.State != store.RemediationRequested && r.State != store.RemediationFailed {
				return cur, errNothing // another process recorded it meanwhile
			}
			if rerr != nil && r.State == store.RemediationFailed && r.Error == rerr.Error() {
				return cur, errNothing // failed as before: nothing new to record
			}
			r.Adapter = adapter
			switch {
			case rerr != nil:
				r.State, r.FailedAt, r.Error = store.RemediationFailed, &now, rerr.Error()
			case unverifiable != "":
				r.State, r.FulfilledAt, r.Error, r.Reason = store.RemediationNotVerifiable, &now, "", unverifiable
			default:
				r.State, r.FulfilledAt, r.Error = store.RemediationFulfilled, &now, ""
			}
			cur.Remediation = r
			return cur, nil
		})
		if err != nil {
			return err
		}
		action, details := audit.ActionReviewRemediationFulfilled, map[string]any{"adapter": adapter, "campaign": it.CampaignID}
		switch {
		case rerr != nil:
			action, details["error"] = audit.ActionReviewRemediationFailed, rerr.Error()
		case unverifiable != "":
			details["notVerifiable"] = unverifiable
		}
		_, err = audit.Append(ctx, tx, now, audit.Entry{Actor: system, Action: action, Target: fmt.Sprintf("review-item:%d", it.ID), Details: details})
		return err
	})
	if errors.Is(err, errNothing) {
		// Recorded meanwhile, or failed as it had already: nothing new.
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
			r := it.Remediation
			if r.State == store.RemediationFailed && r.FulfilledAt != nil {
				continue // taken back, but a source still shows it: escalated, not retried
			}
			if r.State == store.RemediationFailed && r.EscalatedAt != nil && it.GrantID == "" {
				continue // an escalated NHI take-back waits for a person
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
// ldap-group membership or a scim group membership the pull no longer
// shows, an NHI the pull left inactive. Each is marked verified with the
// run's id and time. A run that still shows the access counts against
// the take-back: after the definition's VerifyCycles such runs it is
// failed and escalated. The pull runner calls it when a run finishes.
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
	members := map[string][]string{} // group -> members, read once per run
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
			var gone bool
			if it.NHIID != "" {
				nh, err := s.Store.GetNHI(ctx, it.NHIID)
				if err != nil {
					continue
				}
				gone = nh.Status != store.NHIActive
			} else {
				ci, ok := items[it.ItemID]
				if !ok {
					continue
				}
				key := ci.Fulfillment.Type + "\x00" + ci.Fulfillment.Params["group"]
				ms, seen := members[key]
				if !seen {
					ms, err = s.groupMembers(ctx, run.Source, ci)
					if err != nil {
						return n, fmt.Errorf("review: verify after run %d: %w", runID, err)
					}
					members[key] = ms
				}
				if ms == nil {
					continue // the source has not pulled that group: it cannot tell
				}
				gone = !slices.Contains(ms, it.HolderID)
			}
			if err := s.recordCheck(ctx, it.ID, run, at, gone); err != nil {
				return n, err
			}
			if gone {
				n++
			}
		}
	}
}

// groupMembers returns the members of the group an item's fulfillment
// writes, as the source's last pull recorded them: an ldap-group item's
// group by the first RDN value of its DN, a scim item's by the group's id
// in the application (the pulled group's external id). nil when the source
// has not pulled that group (nothing can be verified then).
func (s *Service) groupMembers(ctx context.Context, source string, ci catalog.Item) ([]string, error) {
	var g store.Group
	switch ci.Fulfillment.Type {
	case "ldap-group":
		dn := ci.Fulfillment.Params["group"]
		name := dn
		if rdn, _, _ := strings.Cut(dn, ","); strings.Contains(rdn, "=") {
			_, name, _ = strings.Cut(rdn, "=")
		}
		gs, err := s.Store.ListGroups(ctx, store.GroupQuery{Source: source, DisplayName: strings.TrimSpace(name), Limit: 2})
		if err != nil || len(gs) != 1 {
			return nil, err
		}
		g = gs[0]
	case "scim":
		var err error
		g, err = s.Store.GetGroupByExternalID(ctx, source, ci.Fulfillment.Params["group"])
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
	default:
		return nil, nil
	}
	ms, err := s.Store.ListGroupMembers(ctx, g.ID)
	if ms == nil && err == nil {
		ms = []string{}
	}
	return ms, err
}

// recordCheck records what one sync run showed of a taken-back access:
// gone marks it verified with the run; still there counts the run, and
// the definition's VerifyCycles-th such run fails the take-back and
// escalates it.
func (s *Service) recordCheck(ctx context.Context, itemID int64, run store.SyncRun, at time.Time, gone bool) error {
	now := s.now()
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		var c store.Campaign
		var d *Definition
		failed := false
		it, err := tx.UpdateReviewItem(ctx, itemID, func(it store.ReviewItem) (store.ReviewItem, error) {
			r := it.Remediation
			if r.State != store.RemediationFulfilled && r.State != store.RemediationUnverified {
				return it, errNothing
			}
			if gone {
				r.State, r.VerifiedRun, r.VerifiedAt = store.RemediationVerified, run.ID, &at
				it.Remediation = r
				return it, nil
			}
			var err error
			if c, err = tx.GetCampaign(ctx, it.CampaignID); err != nil {
				return it, err
			}
			cycles := defaultVerifyCycles
			if d, err = s.definition(c.Definition); err == nil {
				cycles = d.verifyCycles()
			}
			r.Checks++
			if r.Checks >= cycles {
				failed = true
				r.Reason = fmt.Sprintf("%s still showed the access in %d sync runs after the take-back (last: run %d at %s)",
					run.Source, r.Checks, run.ID, at.UTC().Format(time.RFC3339))
				r.State, r.FailedAt, r.Error, r.EscalatedAt = store.RemediationFailed, &now, r.Reason, &now
			}
			it.Remediation = r
			return it, nil
		})
		if err != nil {
			return err
		}
		switch {
		case gone:
			_, err = audit.Append(ctx, tx, now, audit.Entry{Actor: system, Action: audit.ActionReviewRemediationVerified, Target: fmt.Sprintf("review-item:%d", itemID),
				Details: map[string]any{"campaign": it.CampaignID, "syncRun": run.ID, "at": at}})
		case failed:
			err = s.escalateInTx(ctx, tx, d, c, it, "verification-failed", it.Remediation.Reason, now)
		}
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

// verifyPushed watches the NHIs a SCIM source pushes whose take-back was
// fulfilled: syncd cannot read such a source back, but the source pushing
// the account again, active, after the take-back shows it still exists
// there; the take-back is failed and escalated. One that the source left
// alone for UnverifiedAfter is not verifiable (escalateRemediation).
func (s *Service) verifyPushed(ctx context.Context) (int, error) {
	now := s.now()
	n := 0
	var after int64
	for {
		page, err := s.Store.ListReviewItems(ctx, store.ReviewItemQuery{
			Remediation: []store.RemediationState{store.RemediationFulfilled}, AfterID: after, Limit: 500})
		if err != nil {
			return n, fmt.Errorf("review: verify pushed: %w", err)
		}
		if len(page) == 0 {
			return n, nil
		}
		after = page[len(page)-1].ID
		for _, it := range page {
			r := it.Remediation
			if it.NHIID == "" || r.FulfilledAt == nil || !s.pushed(ctx, it) {
				continue
			}
			nh, err := s.Store.GetNHI(ctx, it.NHIID)
			if err != nil || nh.Status != store.NHIActive || !nh.UpdatedAt.After(*r.FulfilledAt) {
				continue
			}
			reason := fmt.Sprintf("%s pushed the account again, active, at %s: it still exists there; disable or delete it in %s",
				r.VerifySource, nh.UpdatedAt.UTC().Format(time.RFC3339), r.VerifySource)
			if err := s.failAndEscalate(ctx, it.ID, "verification-failed", reason, now); err != nil {
				return n, err
			}
			n++
		}
	}
}

// pushed reports whether an NHI item's source pushes it to syncd's SCIM
// server (the NHI has a pushed document from its verifying source).
func (s *Service) pushed(ctx context.Context, it store.ReviewItem) bool {
	if it.NHIID == "" || it.Remediation.VerifySource == "" {
		return false
	}
	d, err := s.Store.GetNHIDoc(ctx, it.NHIID)
	return err == nil && d.Source == it.Remediation.VerifySource
}

// failAndEscalate fails a fulfilled take-back that a source contradicts,
// and escalates it at once: retrying the take-back in syncd cannot help.
func (s *Service) failAndEscalate(ctx context.Context, itemID int64, kind, reason string, now time.Time) error {
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		var c store.Campaign
		it, err := tx.UpdateReviewItem(ctx, itemID, func(it store.ReviewItem) (store.ReviewItem, error) {
			if it.Remediation.State != store.RemediationFulfilled && it.Remediation.State != store.RemediationUnverified {
				return it, errNothing
			}
			var err error
			if c, err = tx.GetCampaign(ctx, it.CampaignID); err != nil {
				return it, err
			}
			r := it.Remediation
			r.State, r.FailedAt, r.Error, r.Reason, r.EscalatedAt = store.RemediationFailed, &now, reason, reason, &now
			it.Remediation = r
			return it, nil
		})
		if err != nil {
			return err
		}
		d, _ := s.definition(c.Definition)
		return s.escalateInTx(ctx, tx, d, c, it, kind, reason, now)
	})
	if errors.Is(err, errNothing) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("review: fail item %d: %w", itemID, err)
	}
	return nil
}

// markNotVerifiable ends a fulfilled take-back that nothing could verify.
func (s *Service) markNotVerifiable(ctx context.Context, itemID int64, reason string, now time.Time) error {
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		it, err := tx.UpdateReviewItem(ctx, itemID, func(it store.ReviewItem) (store.ReviewItem, error) {
			if it.Remediation.State != store.RemediationFulfilled {
				return it, errNothing
			}
			it.Remediation.State, it.Remediation.Reason = store.RemediationNotVerifiable, reason
			return it, nil
		})
		if err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, now, audit.Entry{Actor: system, Action: audit.ActionReviewRemediationNotVerifiable, Target: fmt.Sprintf("review-item:%d", itemID),
			Details: map[string]any{"campaign": it.CampaignID, "reason": reason}})
		return err
	})
	if errors.Is(err, errNothing) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("review: item %d not verifiable: %w", itemID, err)
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
					continue // recorded before not-verifiable existed: fulfilled is as far as it goes
				}
				since = r.FulfilledAt
			}
			if since == nil || now.Sub(*since) < d.unverifiedAfter() {
				continue
			}
			if r.State == store.RemediationFulfilled && s.pushed(ctx, it) {
				reason := fmt.Sprintf("%s pushes to syncd and cannot be read back; it did not push the account again within %s of the take-back",
					r.VerifySource, d.unverifiedAfter())
				if err := s.markNotVerifiable(ctx, it.ID, reason, now); err != nil {
					return n, err
				}
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
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		kind := "remediation-failed"
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
		return s.escalateInTx(ctx, tx, d, c, up, kind, text, now)
	})
	if errors.Is(err, errNothing) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("review: escalate item %d: %w", it.ID, err)
	}
	return nil
}

// escalateInTx lists an escalated remediation in the campaign report,
// notifies the fallback reviewers (never the holder) and audits it. d may
// be nil (a definition removed from the configuration): nobody is
// notified then, the report still lists it.
func (s *Service) escalateInTx(ctx context.Context, tx store.Tx, d *Definition, c store.Campaign, up store.ReviewItem, kind, text string, now time.Time) error {
	if !strings.HasPrefix(text, kind) {
		text = fmt.Sprintf("%s: item %d (%s of %s): %s", kind, up.ID, up.ItemID+up.NHIID, up.HolderID, text)
	}
	if _, err := tx.UpdateCampaign(ctx, c.ID, func(c store.Campaign) (store.Campaign, error) {
		c.Report = appendNote(c.Report, now, kind, up.ID, text)
		return c, nil
	}); err != nil {
		return err
	}
	if d != nil {
		dir := newPeople(ctx, tx, s.catalog().ApproverGroups)
		for _, p := range eligibleReviewers(dir, dir.group(d.FallbackGroup), up.HolderID) {
			if err := notify(ctx, tx, p, "review.remediation", fmt.Sprintf("review-item:%d", up.ID), text,
				fmt.Sprintf("review:remediation:%d:%s", up.ID, p), now); err != nil {
				return err
			}
		}
	}
	_, err := audit.Append(ctx, tx, now, audit.Entry{Actor: system, Action: audit.ActionReviewRemediationEscalated, Target: fmt.Sprintf("review-item:%d", up.ID),
		Details: map[string]any{"campaign": c.ID, "kind": kind}})
	return err
}

// notify records a notification once per dedupe key.
func notify(ctx context.Context, tx store.Tx, personID, kind, subject, msg, key string, now time.Time) error {
	_, err := tx.CreateNotification(ctx, store.Notification{PersonID: personID, Kind: kind, Subject: subject, Message: msg, DedupeKey: key, CreatedAt: now})
	if errors.Is(err, store.ErrConflict) {
		return nil
	}
	return err
}
