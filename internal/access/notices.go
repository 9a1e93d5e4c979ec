package access

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
)

// Notices written in the transaction of the state change they report, so
// internal/notify delivers exactly the changes that committed (the
// notifications table is its outbox).

// notifyDecided tells the requester (and a different beneficiary) that
// their request was approved or denied; nothing while it is pending.
func notifyDecided(ctx context.Context, tx store.Tx, req store.AccessRequest, now time.Time, items func(string) (catalog.Item, bool)) error {
	if req.State != store.RequestApproved && req.State != store.RequestDenied {
		return nil
	}
	name := req.ItemID
	if it, ok := items(req.ItemID); ok {
		name = it.Name
	}
	msg := fmt.Sprintf("Your request for %s was %s", name, req.State)
	if req.StateReason != "" {
		msg += " (" + req.StateReason + ")"
	}
	for _, id := range uniq(req.RequesterID, req.BeneficiaryID) {
		if err := notice(ctx, tx, store.Notification{PersonID: id, Kind: "request.decided", Subject: "request:" + req.ID, Message: msg,
			DedupeKey: "request:" + req.ID + ":decided:" + id, CreatedAt: now}); err != nil {
			return err
		}
	}
	return nil
}

// notifyCredentialReady tells the requester that the credential a grant
// issued can be retrieved (once, on the request page). The secret is
// never in a notification.
func notifyCredentialReady(ctx context.Context, tx store.Tx, g store.Grant, it catalog.Item, now time.Time) error {
	if g.State != store.GrantActive || g.RequestID == "" || !policy.IsCredential(it.Kind) {
		return nil
	}
	req, err := tx.GetRequest(ctx, g.RequestID)
	if err != nil {
		return err
	}
	return notice(ctx, tx, store.Notification{PersonID: req.RequesterID, Kind: "credential.ready", Subject: "request:" + req.ID,
		Message:   fmt.Sprintf("Your %s is ready; open the request to retrieve it (shown once)", it.Name),
		DedupeKey: "grant:" + g.ID + ":credential-ready", CreatedAt: now})
}

// notice records n once per dedupe key.
func notice(ctx context.Context, tx store.Tx, n store.Notification) error {
	if n.PersonID == "" {
		return nil
	}
	if _, err := tx.CreateNotification(ctx, n); err != nil && !errors.Is(err, store.ErrConflict) {
		return err
	}
	return nil
}

func uniq(ids ...string) []string {
	var out []string
	for _, id := range ids {
		if id != "" && (len(out) == 0 || out[len(out)-1] != id) {
			out = append(out, id)
		}
	}
	return out
}
