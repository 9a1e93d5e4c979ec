package access

import (
	"context"
	"time"

	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
)

// Entry is a catalog item as one person sees it: whether they may request
// it for themselves and what would happen if they did.
type Entry struct {
	Item        catalog.Item
	Outcome     policy.Outcome
	Explanation string
}

// Browse evaluates every live item for personID as a request for
// themselves with the item's default window, writing nothing, so the
// catalog page can show eligibility per item.
func (s *Service) Browse(ctx context.Context, personID string) ([]Entry, error) {
	now := s.now()
	var in policy.Input
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		p, err := policyPerson(ctx, tx, personID)
		if err != nil {
			return err
		}
		held, err := heldItems(ctx, tx, personID)
		if err != nil {
			return err
		}
		in = policy.Input{Requester: p, Beneficiary: p, Grants: held, Now: now}
		return nil
	})
	if err != nil {
		return nil, mapErr("browse", err)
	}
	var out []Entry
	cur := s.current.Load()
	for _, it := range cur.cat.Items {
		if it.Retired {
			continue
		}
		d := it.DefaultDuration
		if d == 0 {
			d = it.MaxDuration
		}
		if d == 0 {
			d = 30 * 24 * time.Hour
		}
		in.ItemID = it.ID
		in.Request = policy.Request{Start: now, End: now.Add(d), Justification: "(preview)", Environment: firstOr(it.Environments)}
		dec := cur.pol.Evaluate(in, cur.cat)
		out = append(out, Entry{Item: it, Outcome: dec.Outcome, Explanation: dec.ExplanationNamed(personNames(ctx, s.Store))})
	}
	return out, nil
}

func firstOr(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return xs[0]
}
