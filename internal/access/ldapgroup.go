package access

import (
	"context"
	"fmt"

	"github.com/syncd-dev/syncd/internal/store"
)

// GroupWriter changes group membership in a directory; package ldap's
// GroupWriter implements it. Both calls are idempotent.
type GroupWriter interface {
	AddMember(ctx context.Context, groupDN, memberDN string) error
	RemoveMember(ctx context.Context, groupDN, memberDN string) error
}

// LDAPGroup fulfills ldap-group items: the holder's DN in the directory
// the item's Params["source"] names becomes a member of Params["group"].
// The DN is the "dn" attribute of the holder's link from that source (set
// by every LDAP pull); a holder without one fails clearly. The grant's
// fulfillment reference is the member DN, so the take-back removes the DN
// that was added even when the holder's link has changed since.
type LDAPGroup struct {
	Store store.Store
	// Writers are the directories with write credentials, by source name.
	Writers map[string]GroupWriter
}

// Grant adds the holder to the group; done at once.
func (l *LDAPGroup) Grant(ctx context.Context, g store.Grant, it Item, holder store.Person) (string, bool, error) {
	w, group, err := l.target(it)
	if err != nil {
		return "", false, err
	}
	dn, err := l.holderDN(ctx, it, holder)
	if err != nil {
		return "", false, err
	}
	if err := w.AddMember(ctx, group, dn); err != nil {
		return "", false, fmt.Errorf("ldap-group: %w", err)
	}
	return dn, true, nil
}

// Revoke removes the DN the grant added (its fulfillment reference), or
// the holder's current DN for a grant recorded without one.
func (l *LDAPGroup) Revoke(ctx context.Context, g store.Grant, it Item, holder store.Person) error {
	w, group, err := l.target(it)
	if err != nil {
		return err
	}
	dn := g.FulfillmentRef
	if dn == "" {
		if dn, err = l.holderDN(ctx, it, holder); err != nil {
			return err
		}
	}
	if err := w.RemoveMember(ctx, group, dn); err != nil {
		return fmt.Errorf("ldap-group: %w", err)
	}
	return nil
}

func (l *LDAPGroup) target(it Item) (GroupWriter, string, error) {
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

// holderDN finds the holder's DN in the item's source.
func (l *LDAPGroup) holderDN(ctx context.Context, it Item, holder store.Person) (string, error) {
	src := it.Fulfillment.Params["source"]
	links, err := l.Store.ListSourceLinks(ctx, holder.ID)
	if err != nil {
		return "", fmt.Errorf("ldap-group: links of %s: %w", holder.ID, err)
	}
	for _, ln := range links {
		if ln.Source == src && ln.Attributes["dn"] != "" {
			return ln.Attributes["dn"], nil
		}
	}
	return "", fmt.Errorf("ldap-group: %s has no DN in source %q (not pulled from that directory)", personName(holder), src)
}
