package pull

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/source"
	"github.com/syncd-dev/syncd/internal/store"
)

// applyServices records each service account as an NHI. The source's
// accounts are read from the store in a few pages and compared in memory;
// only changed accounts get a transaction. With complete, the source's
// accounts it did not return and the source confirms are gone are retired
// (never deleted: their history and findings stay).
func (p *pass) applyServices(ctx context.Context, src source.Source, complete bool) error {
	existing := map[string]store.NHI{}
	after := ""
	for {
		list, err := p.r.Store.ListNHIs(ctx, store.NHIQuery{Source: p.src, Kind: store.KindServiceAccount, AfterID: after, Limit: 500})
		if err != nil {
			return fmt.Errorf("pull: %s: list service accounts: %w", p.src, err)
		}
		for _, n := range list {
			existing[n.ExternalID] = n
		}
		if len(list) < 500 {
			break
		}
		after = list[len(list)-1].ID
	}
	p.dnToNHI = make(map[string]string, len(p.services))
	seen := map[string]bool{}
	var changed []source.ServiceAccount
	for _, a := range p.services {
		seen[a.ExternalID] = true
		if cur, ok := existing[a.ExternalID]; ok && p.serviceUnchanged(cur, a) {
			p.dnToNHI[lower(a.DN)] = cur.ID
			continue
		}
		changed = append(changed, a)
	}
	for start := 0; start < len(changed); start += servicesPerTx {
		if err := p.writeServices(ctx, changed[start:min(start+servicesPerTx, len(changed))]); err != nil {
			return err
		}
	}
	p.services = nil
	if !complete {
		return nil
	}
	var vanished []store.NHI
	for _, n := range existing {
		if !seen[n.ExternalID] && n.Status != store.NHIRetired {
			vanished = append(vanished, n)
		}
	}
	if len(vanished) == 0 {
		return nil
	}
	refs := make([]source.Ref, len(vanished))
	for i, n := range vanished {
		refs[i] = source.Ref{Kind: source.KindServiceAccount, ExternalID: n.ExternalID}
	}
	absent, ok := p.confirmAbsent(ctx, src, "service accounts", refs)
	if !ok {
		return ctx.Err()
	}
	gone := map[string]bool{}
	for _, r := range absent {
		gone[r.ExternalID] = true
	}
	for _, n := range vanished {
		if !gone[n.ExternalID] {
			continue
		}
		err := p.r.Store.InTx(ctx, func(tx store.Tx) error {
			return p.r.nhis().Write(ctx, tx, func(w *nhi.Writes) error {
				_, err := w.Retire(ctx, "source:"+p.src, n.ID, nil, map[string]any{
					"source": p.src, "externalId": n.ExternalID, "name": n.Name,
					"cause": "not returned by a complete read of the source, and confirmed gone"})
				return err
			})
		})
		if err != nil {
			return fmt.Errorf("pull: %s: retire service account %s: %w", p.src, n.Name, err)
		}
	}
	return nil
}

// servicesPerTx bounds the changed service accounts written in one
// transaction.
const servicesPerTx = 200

// writeServices applies the accounts in one transaction with one audit
// append. A name conflict aborts it; the accounts are then applied one
// transaction each, so only the conflicting account is rejected.
func (p *pass) writeServices(ctx context.Context, as []source.ServiceAccount) error {
	ids := make([]string, len(as))
	err := p.r.Store.InTx(ctx, func(tx store.Tx) error {
		return p.r.nhis().Write(ctx, tx, func(w *nhi.Writes) error {
			for i, a := range as {
				var err error
				if ids[i], err = p.applyService(ctx, tx, w, a); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err == nil {
		for i, a := range as {
			p.dnToNHI[lower(a.DN)] = ids[i]
		}
		return nil
	}
	if !errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("pull: %s: service accounts: %w", p.src, err)
	}
	for _, a := range as {
		var id string
		err := p.r.Store.InTx(ctx, func(tx store.Tx) error {
			return p.r.nhis().Write(ctx, tx, func(w *nhi.Writes) error {
				var err error
				id, err = p.applyService(ctx, tx, w, a)
				return err
			})
		})
		switch {
		case errors.Is(err, store.ErrConflict):
			p.reject(a.ExternalID, fmt.Sprintf("service account %s: another account of this source is named %q", a.DN, a.Name))
		case err != nil:
			return fmt.Errorf("pull: %s: service account %s: %w", p.src, a.DN, err)
		default:
			p.dnToNHI[lower(a.DN)] = id
		}
	}
	return nil
}

// serviceUnchanged reports whether a asserts what cur holds, with the
// owner resolved from the in-memory maps (a login owner is looked up in
// the transaction instead, so it is never taken as unchanged here).
func (p *pass) serviceUnchanged(cur store.NHI, a source.ServiceAccount) bool {
	resolved := ""
	if a.OwnerRef != "" {
		if !strings.Contains(a.OwnerRef, "=") {
			return false
		}
		id, ok := p.dnToPerson[lower(a.OwnerRef)]
		if !ok {
			return false
		}
		resolved = id
	}
	status := store.NHIActive
	if a.Disabled {
		status = store.NHIDisabled
	}
	ownerID, ownerRef := governedOwner(cur, a.OwnerRef, resolved)
	return cur.Name == a.Name && cur.OwnerID == ownerID && cur.OwnerRef == ownerRef && cur.SourceOwnerRef == a.OwnerRef &&
		cur.Status == status && cur.Description == a.Description
}

// applyService records a. The source's owner attribute drives the owner
// only while no owner was chosen in syncd: after a re-ownership (the
// governed OwnerRef differs from what the source last asserted), syncd's
// choice stands until the source asserts a different owner; then the
// directory has decided again and wins.
func (p *pass) applyService(ctx context.Context, tx store.Tx, w *nhi.Writes, a source.ServiceAccount) (string, error) {
	ownerID, err := p.owner(ctx, tx, a.OwnerRef)
	if err != nil {
		return "", err
	}
	status := store.NHIActive
	if a.Disabled {
		status = store.NHIDisabled
	}
	cur, err := tx.GetNHIByExternalID(ctx, p.src, a.ExternalID)
	if errors.Is(err, store.ErrNotFound) {
		n, err := w.Create(ctx, "source:"+p.src, store.NHI{
			Kind: store.KindServiceAccount, Name: a.Name, Source: p.src, ExternalID: a.ExternalID,
			OwnerID: ownerID, OwnerRef: a.OwnerRef, SourceOwnerRef: a.OwnerRef, Status: status, Description: a.Description,
			CreatedAt: p.r.now(), UpdatedAt: p.r.now(),
		}, map[string]any{
			"source": p.src, "externalId": a.ExternalID, "name": a.Name, "dn": a.DN,
			"ownerRef": a.OwnerRef, "ownerId": ownerID, "status": status})
		if err != nil {
			return "", err
		}
		return n.ID, nil
	}
	if err != nil {
		return "", err
	}
	resolved := ownerID
	ownerID, ownerRef := governedOwner(cur, a.OwnerRef, resolved)
	if cur.Name == a.Name && cur.OwnerID == ownerID && cur.OwnerRef == ownerRef && cur.SourceOwnerRef == a.OwnerRef &&
		cur.Status == status && cur.Description == a.Description {
		return cur.ID, nil
	}
	old := map[string]string{"name": cur.Name, "ownerId": cur.OwnerID, "ownerRef": cur.OwnerRef, "sourceOwnerRef": cur.SourceOwnerRef,
		"status": string(cur.Status), "description": cur.Description}
	n, err := w.Update(ctx, "source:"+p.src, cur.ID, func(x store.NHI) (store.NHI, error) {
		// Decided again on the locked row: a re-ownership committed
		// since cur was read is not overwritten.
		ownerID, ownerRef := governedOwner(x, a.OwnerRef, resolved)
		x.Name, x.OwnerID, x.OwnerRef, x.SourceOwnerRef, x.Status, x.Description, x.UpdatedAt =
			a.Name, ownerID, ownerRef, a.OwnerRef, status, a.Description, p.r.now()
		return x, nil
	}, func(store.NHI, store.NHI) any {
		return map[string]any{
			"source": p.src, "old": old,
			"new": map[string]string{"name": a.Name, "ownerId": ownerID, "ownerRef": ownerRef, "sourceOwnerRef": a.OwnerRef,
				"status": string(status), "description": a.Description}}
	})
	if err != nil {
		return "", err
	}
	return n.ID, nil
}

// governedOwner is the owner n keeps when its source now asserts ref
// (resolved to person id resolved): the source's owner, unless an owner
// chosen in syncd overrides the source's last assertion and the source
// still asserts that same value.
func governedOwner(n store.NHI, ref, resolved string) (ownerID, ownerRef string) {
	governed := n.OwnerRef != n.SourceOwnerRef
	if governed && ref == n.SourceOwnerRef {
		return n.OwnerID, n.OwnerRef
	}
	return resolved, ref
}

// owner resolves an owner reference: a DN names a person of this source,
// anything else a userName. "" when it names nobody (a dangling owner).
func (p *pass) owner(ctx context.Context, tx store.Tx, ref string) (string, error) {
	if ref == "" {
		return "", nil
	}
	if strings.Contains(ref, "=") {
		return p.personByDN(ctx, tx, ref)
	}
	found, err := tx.FindPersons(ctx, store.MatchUserName, ref)
	if err != nil || len(found) != 1 {
		return "", err
	}
	return found[0].ID, nil
}
