package ldap

import (
	"context"
	"fmt"

	goldap "github.com/go-ldap/ldap/v3"
)

// SetAccountOwner writes ownerDN into the owner attribute
// (serviceAccounts.ownerAttribute, default manager) of the account whose
// stable id is id, with the write credentials: a re-ownership decided in
// syncd, written back so the directory agrees. Writing the owner it
// already has is success.
func (g *GroupWriter) SetAccountOwner(ctx context.Context, id, ownerDN string) error {
	attr := "manager"
	if sa := g.cfg.ServiceAccounts; sa != nil && sa.OwnerAttribute != "" {
		attr = sa.OwnerAttribute
	}
	filter, err := g.idFilter(id)
	if err != nil {
		return fmt.Errorf("ldap: %s: set owner of %s: %w", g.cfg.Name, id, err)
	}
	base := g.accountBase()
	e, err := g.findOne(ctx, base, filter, attr)
	if err != nil {
		return g.wrap("set owner of "+id, err)
	}
	if e == nil {
		return fmt.Errorf("ldap: %s: set owner of %s: %w under %s", g.cfg.Name, id, ErrNoSuchAccount, base)
	}
	if e.GetAttributeValue(attr) == ownerDN {
		return nil
	}
	req := goldap.NewModifyRequest(e.DN, nil)
	req.Replace(attr, []string{ownerDN})
	if err := g.modify(ctx, req); err != nil {
		return g.wrap("set "+attr+" of "+e.DN, err)
	}
	return nil
}
