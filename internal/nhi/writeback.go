package nhi

import (
	"context"
	"errors"
	"fmt"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// OwnerWriter writes an NHI's owner back to the system it came from (an
// LDAP source with write credentials sets the account's owner attribute).
type OwnerWriter interface {
	WriteOwner(ctx context.Context, n store.NHI, ownerDN string) error
}

// ErrNoWriteBack: the NHI's source has no write credentials, or the owner
// has no entry in it to point at.
var ErrNoWriteBack = errors.New("cannot write the owner back to the source")

// WriteOwnerBack writes the NHI's governed owner to its source, so the
// directory names the owner syncd decided on (after an accepted
// re-ownership, say). The owner must be linked from the same source with
// a DN. On success the NHI records the DN as what the source now asserts.
// The write happens inside the transaction that records it: a failure
// leaves the NHI unchanged.
// check, when not nil, may refuse the caller for the NHI as read in the
// transaction.
func (s *Service) WriteOwnerBack(ctx context.Context, actor, nhiID string, check func(store.NHI) error) (store.NHI, error) {
	var out store.NHI
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		now := s.now()
		n, err := tx.GetNHI(ctx, nhiID)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(n); err != nil {
				return err
			}
		}
		w, ok := s.OwnerWriters[n.Source]
		switch {
		case !ok:
			return fmt.Errorf("source %q has no write credentials: %w", n.Source, ErrNoWriteBack)
		case n.OwnerID == "":
			return fmt.Errorf("%s has no owner: %w", n.Name, ErrNoWriteBack)
		}
		links, err := tx.ListSourceLinks(ctx, n.OwnerID)
		if err != nil {
			return err
		}
		dn := ""
		for _, l := range links {
			if l.Source == n.Source && l.Attributes["dn"] != "" {
				dn = l.Attributes["dn"]
			}
		}
		if dn == "" {
			return fmt.Errorf("owner %s has no entry in source %q: %w", n.OwnerID, n.Source, ErrNoWriteBack)
		}
		out, err = tx.UpdateNHI(ctx, n.ID, func(x store.NHI) (store.NHI, error) {
			if x.OwnerID != n.OwnerID {
				return x, fmt.Errorf("owner of %s changed meanwhile: %w", n.Name, store.ErrConflict)
			}
			x.OwnerRef, x.SourceOwnerRef, x.UpdatedAt = dn, dn, now
			return x, nil
		})
		if err != nil {
			return err
		}
		if err := w.WriteOwner(ctx, n, dn); err != nil {
			return fmt.Errorf("write owner of %s to %q: %w", n.Name, n.Source, err)
		}
		_, err = audit.Append(ctx, tx, now, audit.Entry{
			Actor: actor, Action: audit.ActionNHIOwnerWrittenBack, Target: "nhi:" + n.ID,
			Details: map[string]any{"source": n.Source, "owner": n.OwnerID, "owner_dn": dn, "previous_source_owner": n.SourceOwnerRef},
		})
		return err
	})
	if err != nil {
		return store.NHI{}, fmt.Errorf("nhi: write owner back: %w", err)
	}
	return out, nil
}
