package pull

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/syncd-dev/syncd/internal/source"
	"github.com/syncd-dev/syncd/internal/store"
)

// applyServices records each service account as an NHI, one transaction
// each; with complete, the source's accounts it did not return and the
// source confirms are gone are retired (never deleted: their history and
// findings stay).
func (p *pass) applyServices(ctx context.Context, src source.Source, complete bool) error {
	seen := map[string]bool{}
	for _, a := range p.services {
		seen[a.ExternalID] = true
		err := p.r.Store.InTx(ctx, func(tx store.Tx) error { return p.applyService(ctx, tx, a) })
		switch {
		case errors.Is(err, store.ErrConflict):
			p.reject(a.ExternalID, fmt.Sprintf("service account %s: another account of this source is named %q", a.DN, a.Name))
		case err != nil:
			return fmt.Errorf("pull: %s: service account %s: %w", p.src, a.DN, err)
		}
	}
	if !complete {
		return nil
	}
	var vanished []store.NHI
	after := ""
	for {
		list, err := p.r.Store.ListNHIs(ctx, store.NHIQuery{Source: p.src, Kind: store.KindServiceAccount, AfterID: after, Limit: 500})
		if err != nil {
			return fmt.Errorf("pull: %s: list service accounts: %w", p.src, err)
		}
		for _, n := range list {
			if !seen[n.ExternalID] && n.Status != store.NHIRetired {
				vanished = append(vanished, n)
			}
		}
		if len(list) < 500 {
			break
		}
		after = list[len(list)-1].ID
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
			if _, err := tx.UpdateNHI(ctx, n.ID, func(x store.NHI) (store.NHI, error) {
				x.Status, x.UpdatedAt = store.NHIRetired, p.r.now()
				return x, nil
			}); err != nil {
				return err
			}
			return p.audit(ctx, tx, ActionNHIRetired, "nhi:"+n.ID, map[string]any{
				"source": p.src, "externalId": n.ExternalID, "name": n.Name,
				"cause": "not returned by a complete read of the source, and confirmed gone"})
		})
		if err != nil {
			return fmt.Errorf("pull: %s: retire service account %s: %w", p.src, n.Name, err)
		}
	}
	return nil
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

func (p *pass) applyService(ctx context.Context, tx store.Tx, a source.ServiceAccount) error {
	ownerID, err := p.owner(ctx, tx, a.OwnerRef)
	if err != nil {
		return err
	}
	status := store.NHIActive
	if a.Disabled {
		status = store.NHIDisabled
	}
	cur, err := tx.GetNHIByExternalID(ctx, p.src, a.ExternalID)
	if errors.Is(err, store.ErrNotFound) {
		n, err := tx.CreateNHI(ctx, store.NHI{
			Kind: store.KindServiceAccount, Name: a.Name, Source: p.src, ExternalID: a.ExternalID,
			OwnerID: ownerID, OwnerRef: a.OwnerRef, Status: status, Description: a.Description,
			CreatedAt: p.r.now(), UpdatedAt: p.r.now(),
		})
		if err != nil {
			return err
		}
		return p.audit(ctx, tx, ActionNHICreated, "nhi:"+n.ID, map[string]any{
			"source": p.src, "externalId": a.ExternalID, "name": a.Name, "dn": a.DN,
			"ownerRef": a.OwnerRef, "ownerId": ownerID, "status": status})
	}
	if err != nil {
		return err
	}
	if cur.Name == a.Name && cur.OwnerID == ownerID && cur.OwnerRef == a.OwnerRef && cur.Status == status && cur.Description == a.Description {
		return nil
	}
	old := map[string]string{"name": cur.Name, "ownerId": cur.OwnerID, "ownerRef": cur.OwnerRef, "status": string(cur.Status), "description": cur.Description}
	n, err := tx.UpdateNHI(ctx, cur.ID, func(x store.NHI) (store.NHI, error) {
		x.Name, x.OwnerID, x.OwnerRef, x.Status, x.Description, x.UpdatedAt = a.Name, ownerID, a.OwnerRef, status, a.Description, p.r.now()
		return x, nil
	})
	if err != nil {
		return err
	}
	return p.audit(ctx, tx, ActionNHIUpdated, "nhi:"+n.ID, map[string]any{
		"source": p.src, "old": old,
		"new": map[string]string{"name": a.Name, "ownerId": ownerID, "ownerRef": a.OwnerRef, "status": string(status), "description": a.Description}})
}
