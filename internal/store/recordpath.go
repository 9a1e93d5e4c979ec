package store

import "context"

// RecordPathReader is what the single-record write path (a SCIM create)
// reads in one statement where it used to take one per key or arm.
type RecordPathReader interface {
	// FindPersonsByAny returns the persons whose attribute named by a key
	// of match equals that key's value, compared case-insensitively as
	// FindPersons does, for any of the keys, ordered by ID. Empty values
	// match nobody.
	FindPersonsByAny(ctx context.Context, match map[MatchKey]string) ([]Person, error)
	// GetSourceExternalIDOf returns the external id of the first (by
	// external id) link of source to person personID, and false when the
	// source has none: how a SCIM manager reference names the manager.
	GetSourceExternalIDOf(ctx context.Context, source, personID string) (string, bool, error)
	// FindUserNameHolders returns the ids (persons and NHIs) of source's user
	// view whose userName equals userName as the view's `userName eq`
	// filter compares it (ListUserView), at most two.
	FindUserNameHolders(ctx context.Context, source, userName string) ([]string, error)
}
