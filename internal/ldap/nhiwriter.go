package ldap

import (
	"context"

	"github.com/syncd-dev/syncd/internal/store"
)

// DisableNHI disables an NHI pulled from this directory, found by its
// stable id (the NHI's external id): the remediation "disable" of package
// nhi and a campaign's revocation of a service account (nhi.Disabler,
// review.NHIDisabler).
func (g *GroupWriter) DisableNHI(ctx context.Context, n store.NHI) error {
	return g.DisableAccount(ctx, n.ExternalID)
}

// WriteOwner writes a re-ownership back to the account's owner attribute
// (nhi.OwnerWriter).
func (g *GroupWriter) WriteOwner(ctx context.Context, n store.NHI, ownerDN string) error {
	return g.SetAccountOwner(ctx, n.ExternalID, ownerDN)
}
