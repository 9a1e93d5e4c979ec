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
}
