package store

import "context"

// SCIMWriteTx is what a read-modify-write of a pushed SCIM resource needs
// inside one transaction: the row read under lock, and group membership
// changed as a delta whose cost follows the members named, not the size
// of the group.
type SCIMWriteTx interface {
	// LockGroup reads the group under a row lock held until the
	// transaction ends (PostgreSQL SELECT ... FOR UPDATE; a SQLite write
	// transaction holds the database's write lock from BEGIN).
	LockGroup(ctx context.Context, id string) (Group, error)
	// AddGroupMemberDelta adds the persons that are not members yet and
	// returns exactly those, sorted. When any was added the group's
	// version and updated time move. The group should be locked first.
	AddGroupMemberDelta(ctx context.Context, groupID string, personIDs []string) ([]string, error)
	// RemoveGroupMemberDelta removes the persons that are members and
	// returns exactly those, sorted; the group's version moves when any
	// was removed.
	RemoveGroupMemberDelta(ctx context.Context, groupID string, personIDs []string) ([]string, error)
	// LockPersonLink reads source's link of a person under a row lock
	// (ErrNotFound when the person has none).
	LockPersonLink(ctx context.Context, source, personID string) (SourceLink, error)
	// LockKey takes a lock on key held until the transaction ends, across
	// processes (a PostgreSQL advisory transaction lock; SQLite's write
	// lock already serialises writers): a check that a name is free and
	// the write that takes it cannot interleave with another writer's.
	LockKey(ctx context.Context, key string) error
}
