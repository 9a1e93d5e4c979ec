package access

import (
	"context"
	"errors"
	"fmt"

	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/scim/scimclient"
	"github.com/syncd-dev/syncd/internal/store"
)

// SCIMApp is one downstream application reached over SCIM;
// scimclient.GroupWriter implements it. UserID fails with an error
// wrapping scimclient.ErrNoUser when the application has no such user;
// AddMember and RemoveMember are idempotent.
type SCIMApp interface {
	UserID(ctx context.Context, userName string) (string, error)
	AddMember(ctx context.Context, groupID, userID string) error
	RemoveMember(ctx context.Context, groupID, userID string) error
}

// SCIMGroup fulfills scim items: the holder's user in the downstream
// application Params["app"] becomes a member of the SCIM group whose id
// is Params["group"]. The user is found by the holder's userName, then by
// email; a holder the application does not know fails clearly. The
// grant's fulfillment reference is the downstream user id.
type SCIMGroup struct {
	// Apps are the configured downstream applications, by name
	// (access.scimApps).
	Apps map[string]SCIMApp
}

// Grant adds the holder's downstream user to the group; done at once.
func (s *SCIMGroup) Grant(ctx context.Context, _ store.Grant, it catalog.Item, holder store.Person) (string, bool, error) {
	app, group, err := s.target(it)
	if err != nil {
		return "", false, err
	}
	id, err := s.userID(ctx, it, app, holder)
	if err != nil {
		return "", false, err
	}
	if err := app.AddMember(ctx, group, id); err != nil {
		return "", false, fmt.Errorf("scim: %w", err)
	}
	return id, true, nil
}

// Revoke removes the user the grant added (its fulfillment reference), or
// the holder's current downstream user when the grant has none; a holder
// the application no longer knows has nothing left to remove.
func (s *SCIMGroup) Revoke(ctx context.Context, g store.Grant, it catalog.Item, holder store.Person) error {
	app, group, err := s.target(it)
	if err != nil {
		return err
	}
	id := g.FulfillmentRef
	if id == "" {
		if id, err = s.userID(ctx, it, app, holder); errors.Is(err, scimclient.ErrNoUser) {
			return nil
		} else if err != nil {
			return err
		}
	}
	if err := app.RemoveMember(ctx, group, id); err != nil {
		return fmt.Errorf("scim: %w", err)
	}
	return nil
}

func (s *SCIMGroup) target(it catalog.Item) (SCIMApp, string, error) {
	name, group := it.Fulfillment.Params["app"], it.Fulfillment.Params["group"]
	if name == "" || group == "" {
		return nil, "", fmt.Errorf("scim: item %s needs fulfillment params app and group", it.ID)
	}
	app, ok := s.Apps[name]
	if !ok {
		return nil, "", fmt.Errorf("scim: item %s: app %q is not configured (access.scimApps)", it.ID, name)
	}
	return app, group, nil
}

// userID finds the holder in the application by userName, then email.
func (s *SCIMGroup) userID(ctx context.Context, it catalog.Item, app SCIMApp, holder store.Person) (string, error) {
	var tried []string
	for _, name := range []string{holder.UserName, holder.Email} {
		if name == "" || len(tried) > 0 && tried[0] == name {
			continue
		}
		tried = append(tried, name)
		id, err := app.UserID(ctx, name)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, scimclient.ErrNoUser) {
			return "", fmt.Errorf("scim: %w", err)
		}
	}
	return "", fmt.Errorf("scim: %s has no user in app %q (looked up as %q): %w",
		holder.Name(), it.Fulfillment.Params["app"], tried, scimclient.ErrNoUser)
}
