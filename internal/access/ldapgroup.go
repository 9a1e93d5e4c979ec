package access

import (
	"context"
	"fmt"
	"strings"

	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/store"
)

// GroupWriter changes group membership in a directory; package ldap's
// GroupWriter implements it. Both calls are idempotent.
type GroupWriter interface {
	AddMember(ctx context.Context, groupDN, memberDN string) error
	RemoveMember(ctx context.Context, groupDN, memberDN string) error
	// AccountDN finds the DN of the entry with a stable id (entryUUID or
	// objectGUID): how a service account granted the item is named.
	AccountDN(ctx context.Context, stableID string) (string, error)
}

// LDAPGroup fulfills ldap-group items: the holder's DN in the directory
// the item's Params["source"] names becomes a member of Params["group"].
// The DN is the "dn" attribute of the holder's link from that source (set
// by every LDAP pull); a holder without one fails clearly. The grant's
// fulfillment reference is the member DN that was added.
type LDAPGroup struct {
	Store store.Store
	// Writers are the directories with write credentials, by source name.
	Writers map[string]GroupWriter
}

// Grant adds the holder to the group; done at once.
func (l *LDAPGroup) Grant(ctx context.Context, g store.Grant, it catalog.Item, holder store.Person) (string, bool, error) {
	w, group, err := l.target(it)
	if err != nil {
		return "", false, err
	}
	dn, err := l.holderDN(ctx, w, g, it, holder)
	if err != nil {
		return "", false, err
	}
	if err := w.AddMember(ctx, group, dn); err != nil {
		return "", false, fmt.Errorf("ldap-group: %w", err)
	}
	return dn, true, nil
}

// Revoke removes the DN the grant added (its fulfillment reference) and
// the holder's current DN when it differs: a renamed entry keeps its
// memberships under the new DN (OpenLDAP refint, AD), so the old one alone
// would leave the access in place.
func (l *LDAPGroup) Revoke(ctx context.Context, g store.Grant, it catalog.Item, holder store.Person) error {
	w, group, err := l.target(it)
	if err != nil {
		return err
	}
	var dns []string
	if g.FulfillmentRef != "" {
		dns = append(dns, g.FulfillmentRef)
	}
	current, err := l.holderDN(ctx, w, g, it, holder)
	switch {
	case err == nil && !strings.EqualFold(current, g.FulfillmentRef):
		dns = append(dns, current)
	case err != nil && len(dns) == 0:
		return err
	}
	for _, dn := range dns {
		if err := w.RemoveMember(ctx, group, dn); err != nil {
			return fmt.Errorf("ldap-group: %w", err)
		}
	}
	return nil
}

func (l *LDAPGroup) target(it catalog.Item) (GroupWriter, string, error) {
	src, group := it.Fulfillment.Params["source"], it.Fulfillment.Params["group"]
	if src == "" || group == "" {
		return nil, "", fmt.Errorf("ldap-group: item %s needs fulfillment params source and group", it.ID)
	}
	w, ok := l.Writers[src]
	if !ok {
		return nil, "", fmt.Errorf("ldap-group: item %s: source %q has no write credentials configured (sources[].ldap.write)", it.ID, src)
	}
	return w, group, nil
}

// holderDN finds the holder's DN in the item's source: a person's from
// their link, a service account's (a grant held by an NHI) by its stable
// id in the directory.
func (l *LDAPGroup) holderDN(ctx context.Context, w GroupWriter, g store.Grant, it catalog.Item, holder store.Person) (string, error) {
	src := it.Fulfillment.Params["source"]
	if g.HolderNHIID != "" {
		n, err := l.Store.GetNHI(ctx, g.HolderNHIID)
		if err != nil {
			return "", fmt.Errorf("ldap-group: nhi %s: %w", g.HolderNHIID, err)
		}
		if n.Source != src || n.ExternalID == "" {
			return "", fmt.Errorf("ldap-group: %s is not an account of source %q", n.Name, src)
		}
		dn, err := w.AccountDN(ctx, n.ExternalID)
		if err != nil {
			return "", fmt.Errorf("ldap-group: %s: %w", n.Name, err)
		}
		return dn, nil
	}
	links, err := l.Store.ListSourceLinks(ctx, holder.ID)
	if err != nil {
		return "", fmt.Errorf("ldap-group: links of %s: %w", holder.ID, err)
	}
	for _, ln := range links {
		if ln.Source == src && ln.Attributes["dn"] != "" {
			return ln.Attributes["dn"], nil
		}
	}
	return "", fmt.Errorf("ldap-group: %s has no DN in source %q (not pulled from that directory)", holder.Name(), src)
}
