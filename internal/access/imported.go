package access

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// importedEnd is the end of an imported grant: the membership lasts as
// long as the directory says so, which a later sweep follows.
var importedEnd = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// importDirectoryGrants records directory-group memberships behind
// ldap-group catalog items as grants with assurance "imported", so access
// that was never requested through syncd can be reviewed like any other,
// and ends those whose membership disappeared from the directory. The
// group is found among the source's pulled groups by the first RDN value
// of params.group (its cn).
func (s *Service) importDirectoryGrants(ctx context.Context, res *SweepResult) error {
	now := s.now()
	for _, it := range s.Catalog().Items {
		src, dn := it.Fulfillment.Params["source"], it.Fulfillment.Params["group"]
		if it.Fulfillment.Type != "ldap-group" || it.Retired || src == "" || dn == "" {
			continue
		}
		name := firstRDNValue(dn)
		if name == "" {
			continue
		}
		err := s.Store.InTx(ctx, func(tx store.Tx) error {
			groups, err := tx.ListGroups(ctx, store.GroupQuery{Source: src, DisplayName: name, Limit: 2})
			if err != nil || len(groups) != 1 {
				return err // not pulled (yet): nothing to import
			}
			members, err := tx.ListGroupMembers(ctx, groups[0].ID)
			if err != nil {
				return err
			}
			isMember := map[string]bool{}
			for _, m := range members {
				isMember[m] = true
			}
			grants, err := tx.ListGrants(ctx, store.GrantQuery{ItemID: it.ID, States: []store.GrantState{store.GrantActive, store.GrantPending}, Limit: 100000})
			if err != nil {
				return err
			}
			holds := map[string]bool{}
			var entries []audit.Entry
			for _, g := range grants {
				holds[g.HolderID] = true
				if g.Assurance != store.AssuranceImported || isMember[g.HolderID] {
					continue
				}
				// The directory already removed the membership: ending,
				// then ended, with nothing left to take back.
				if _, err := updateGrant(ctx, tx, g.ID, func(g store.Grant) (store.Grant, error) {
					g.State, g.EndedAt, g.EndedBy, g.EndReason = store.GrantEnding, &now, "source:"+src, "no longer a member of "+dn
					g.Work.EndState, g.Work.DueAt = store.GrantEnded, nil
					g.TakeBack = store.TakeBack{State: "done", Adapter: "source:" + src, RequestedAt: &now, DoneAt: &now}
					return g, nil
				}); err != nil {
					return err
				}
				if _, err := updateGrant(ctx, tx, g.ID, func(g store.Grant) (store.Grant, error) {
					g.State, g.FulfillmentStatus = store.GrantEnded, "removed"
					return g, nil
				}); err != nil {
					return err
				}
				res.ImportEnded++
				entries = append(entries, audit.Entry{Actor: "source:" + src, Action: audit.ActionGrantEnded, Target: "grant:" + g.ID,
					Details: map[string]any{"item": it.ID, "holder": g.HolderID, "reason": "membership removed in the directory", "group": dn}})
			}
			for _, m := range members {
				if holds[m] {
					continue
				}
				g, err := tx.CreateGrant(ctx, store.Grant{ItemID: it.ID, HolderID: m, Assurance: store.AssuranceImported,
					Start: now, End: importedEnd, State: store.GrantActive, FulfillmentStatus: "done", CreatedAt: now})
				if err != nil {
					return err
				}
				res.Imported++
				entries = append(entries, audit.Entry{Actor: "source:" + src, Action: audit.ActionGrantImported, Target: "grant:" + g.ID,
					Details: map[string]any{"item": it.ID, "holder": m, "group": dn}})
			}
			_, err = audit.AppendAll(ctx, tx, now, entries...)
			return err
		})
		if err != nil {
			return fmt.Errorf("access: import grants of %s: %w", it.ID, err)
		}
	}
	return nil
}

// firstRDNValue is "ops" for "cn=ops,ou=groups,dc=example,dc=org".
func firstRDNValue(dn string) string {
	rdn, _, _ := strings.Cut(dn, ",")
	_, v, ok := strings.Cut(rdn, "=")
	if !ok {
		return ""
	}
	return strings.TrimSpace(v)
}
