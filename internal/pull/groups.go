package pull

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/source"
	"github.com/syncd-dev/syncd/internal/store"
)

// Audit actions written for directory groups and service accounts.
const (
	ActionGroupCreated        = "group.created"
	ActionGroupUpdated        = "group.updated"
	ActionGroupMembersChanged = "group.members_changed"
	ActionGroupDeleted        = "group.deleted"
	ActionNHICreated          = "nhi.created"
	ActionNHIUpdated          = "nhi.updated"
	ActionNHIRetired          = "nhi.retired"
)

func (p *pass) audit(ctx context.Context, tx store.Tx, action, target string, details any) error {
	_, err := audit.Append(ctx, tx, p.r.now(), audit.Entry{Actor: "source:" + p.src, Action: action, Target: target, Details: details})
	return err
}

// members resolves a group's members to person IDs of this source;
// members that are not (groups, service accounts) are left out.
func (p *pass) members(ctx context.Context, tx store.Tx, g source.Group) ([]string, error) {
	var ids []string
	for _, dn := range g.MemberDNs {
		id, err := p.personByDN(ctx, tx, dn)
		if err != nil {
			return nil, err
		}
		if id != "" {
			ids = append(ids, id)
		}
	}
	for _, ext := range g.MemberIDs {
		id, err := p.personByExternalID(ctx, tx, ext)
		if err != nil {
			return nil, err
		}
		if id != "" {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// applyGroups writes each group and its members, one transaction each,
// and with complete deletes the source's groups it did not return and the
// source confirms are gone.
func (p *pass) applyGroups(ctx context.Context, src source.Source, complete bool) error {
	seen := map[string]bool{}
	for _, g := range p.groups {
		seen[g.ExternalID] = true
		err := p.r.Store.InTx(ctx, func(tx store.Tx) error { return p.applyGroup(ctx, tx, g) })
		switch {
		case errors.Is(err, store.ErrConflict):
			p.reject(g.ExternalID, fmt.Sprintf("group %s: another group of this source is named %q", g.DN, g.Name))
		case err != nil:
			return fmt.Errorf("pull: %s: group %s: %w", p.src, g.DN, err)
		}
	}
	if !complete {
		return nil
	}
	var vanished []store.Group
	after := ""
	for {
		list, err := p.r.Store.ListGroups(ctx, store.GroupQuery{Source: p.src, AfterID: after, Limit: 500})
		if err != nil {
			return fmt.Errorf("pull: %s: list groups: %w", p.src, err)
		}
		for _, g := range list {
			if !seen[g.ExternalID] {
				vanished = append(vanished, g)
			}
		}
		if len(list) < 500 {
			break
		}
		after = list[len(list)-1].ID
	}
	refs := make([]source.Ref, len(vanished))
	for i, g := range vanished {
		refs[i] = source.Ref{Kind: source.KindGroup, ExternalID: g.ExternalID}
	}
	absent, ok := p.confirmAbsent(ctx, src, "groups", refs)
	if !ok {
		return ctx.Err()
	}
	gone := map[string]bool{}
	for _, r := range absent {
		gone[r.ExternalID] = true
	}
	for _, g := range vanished {
		if !gone[g.ExternalID] {
			continue
		}
		err := p.r.Store.InTx(ctx, func(tx store.Tx) error {
			members, err := tx.ListGroupMembers(ctx, g.ID)
			if err != nil {
				return err
			}
			if err := tx.DeleteGroup(ctx, g.ID); err != nil {
				return err
			}
			return p.audit(ctx, tx, ActionGroupDeleted, "group:"+g.ID, map[string]any{
				"source": p.src, "externalId": g.ExternalID, "name": g.DisplayName, "members": members,
				"cause": "not returned by a complete read of the source, and confirmed gone"})
		})
		if err != nil {
			return fmt.Errorf("pull: %s: delete vanished group %s: %w", p.src, g.DisplayName, err)
		}
	}
	return nil
}

func (p *pass) applyGroup(ctx context.Context, tx store.Tx, g source.Group) error {
	cur, err := tx.GetGroupByExternalID(ctx, p.src, g.ExternalID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		cur, err = tx.CreateGroup(ctx, store.Group{Source: p.src, ExternalID: g.ExternalID, DisplayName: g.Name, Description: g.Description})
		if err != nil {
			return err
		}
		if err := p.audit(ctx, tx, ActionGroupCreated, "group:"+cur.ID, map[string]any{
			"source": p.src, "externalId": g.ExternalID, "name": g.Name, "dn": g.DN}); err != nil {
			return err
		}
	case err != nil:
		return err
	case cur.DisplayName != g.Name || cur.Description != g.Description:
		old := cur
		cur, err = tx.UpdateGroup(ctx, cur.ID, func(x store.Group) (store.Group, error) {
			x.DisplayName, x.Description, x.UpdatedAt = g.Name, g.Description, p.r.now()
			return x, nil
		})
		if err != nil {
			return err
		}
		if err := p.audit(ctx, tx, ActionGroupUpdated, "group:"+cur.ID, map[string]any{
			"source": p.src, "old": map[string]string{"name": old.DisplayName, "description": old.Description},
			"new": map[string]string{"name": g.Name, "description": g.Description}}); err != nil {
			return err
		}
	}
	want, err := p.members(ctx, tx, g)
	if err != nil {
		return err
	}
	have, err := tx.ListGroupMembers(ctx, cur.ID)
	if err != nil {
		return err
	}
	slices.Sort(have)
	if slices.Equal(have, want) {
		return nil
	}
	added, removed := diff(have, want)
	if err := tx.SetGroupMembers(ctx, cur.ID, want); err != nil {
		return err
	}
	return p.audit(ctx, tx, ActionGroupMembersChanged, "group:"+cur.ID, map[string]any{
		"source": p.src, "name": g.Name, "added": added, "removed": removed})
}

// diff returns what want adds to and removes from have (both sorted).
func diff(have, want []string) (added, removed []string) {
	for _, w := range want {
		if _, ok := slices.BinarySearch(have, w); !ok {
			added = append(added, w)
		}
	}
	for _, h := range have {
		if _, ok := slices.BinarySearch(want, h); !ok {
			removed = append(removed, h)
		}
	}
	return added, removed
}
