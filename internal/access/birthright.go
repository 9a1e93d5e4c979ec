package access

import (
	"context"
	"fmt"
	"slices"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// birthrightEnd is the end of a birthright grant: it lasts as long as the
// job function, which every sweep follows.
var birthrightEnd = importedEnd

// reconcileBirthrights gives every active person holding one of an item's
// birthright job functions a grant with assurance "birthright" (fulfilled
// like any grant), and ends birthright grants whose holder no longer holds
// such a function or is no longer active: a mover loses them, a joiner gets
// them, without a request.
func (s *Service) reconcileBirthrights(ctx context.Context, res *SweepResult) error {
	now := s.now()
	for _, it := range s.Catalog().Items {
		if len(it.Birthright) == 0 || it.Retired {
			continue
		}
		entitled := map[string]string{} // person → the job function that entitles them
		for _, jf := range it.Birthright {
			after := ""
			for {
				ps, err := s.Store.ListPersons(ctx, store.PersonQuery{JobFunction: jf, Status: store.StatusActive, AfterID: after, Limit: 500})
				if err != nil {
					return fmt.Errorf("access: birthright %s: %w", it.ID, err)
				}
				for _, p := range ps {
					if _, ok := entitled[p.ID]; !ok {
						entitled[p.ID] = jf
					}
				}
				if len(ps) < 500 {
					break
				}
				after = ps[len(ps)-1].ID
			}
		}
		grants, err := s.Store.ListGrants(ctx, store.GrantQuery{ItemID: it.ID, States: []store.GrantState{store.GrantActive, store.GrantPending, store.GrantFailed}, Limit: 100000})
		if err != nil {
			return fmt.Errorf("access: birthright %s: %w", it.ID, err)
		}
		holds := map[string]bool{}
		for _, g := range grants {
			holds[g.HolderID] = true
			if g.Assurance != store.AssuranceBirthright {
				continue
			}
			if _, still := entitled[g.HolderID]; still {
				continue
			}
			reason := fmt.Sprintf("no longer holds any of the job functions %v", it.Birthright)
			if _, err := s.endGrant(ctx, g.ID, store.GrantEnded, "system:birthright", reason); err != nil {
				res.Errors = append(res.Errors, err)
				continue
			}
			res.BirthrightEnded++
		}
		for _, p := range sortedKeys(entitled) {
			if holds[p] {
				continue
			}
			var g store.Grant
			err := s.Store.InTx(ctx, func(tx store.Tx) error {
				var err error
				g, err = tx.CreateGrant(ctx, store.Grant{ItemID: it.ID, HolderID: p, Assurance: store.AssuranceBirthright,
					Start: now, End: birthrightEnd, State: store.GrantPending, CreatedAt: now, Work: store.GrantWork{DueAt: &now}})
				if err != nil {
					return err
				}
				_, err = audit.Append(ctx, tx, now, audit.Entry{Actor: "system:birthright", Action: audit.ActionGrantCreated, Target: "grant:" + g.ID,
					Details: map[string]any{"item": it.ID, "holder": p, "assurance": store.AssuranceBirthright, "jobFunction": entitled[p]}})
				return err
			})
			if err != nil {
				return fmt.Errorf("access: birthright %s for %s: %w", it.ID, p, err)
			}
			res.Birthright++
		}
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
