package store

import "context"

// GroupState is what a pull compares a directory group with before
// touching it: its names and the digest of the members the source last
// asserted.
type GroupState struct {
	ID          string
	ExternalID  string
	DisplayName string
	Description string
	// Digest is what SetGroupDigest recorded; any membership change made
	// through the store since clears it to "".
	Digest string
}

// NewGroup is a group a pull found, with the members it asserted
// (person and NHI IDs) and their digest (see SetGroupDigest).
type NewGroup struct {
	Group      Group
	Members    []string
	NHIMembers []string
	Digest     string
}

// PullBatchTx is the set-based storage pulls use at directory scale:
// member DNs resolved in bulk, every group's state in one read, and the
// service accounts (NHIs) that are members of directory groups.
type PullBatchTx interface {
	PullBatchReader
	PullBatchWriter
}

// PullBatchReader is the reading half of PullBatchTx.
type PullBatchReader interface {
	// ResolveLinkDNs maps each of dns, lower-cased, to the person linked
	// from source whose "dn" attribute equals it (case-insensitively). A
	// DN matching no link, or several, is absent from the map.
	ResolveLinkDNs(ctx context.Context, source string, dns []string) (map[string]string, error)
	// ListGroupStates returns every group of source, ordered by ID.
	ListGroupStates(ctx context.Context, source string) ([]GroupState, error)
	// ListGroupNHIMembers returns the NHI IDs of the group's members, sorted.
	ListGroupNHIMembers(ctx context.Context, groupID string) ([]string, error)
	// ListNHIGroups returns the groups an NHI is a member of, ordered by ID.
	ListNHIGroups(ctx context.Context, nhiID string) ([]Group, error)
}

// PullBatchWriter is the writing half of PullBatchTx.
type PullBatchWriter interface {
	// SetGroupDigest records the digest of the group's members as the
	// source asserted them. ErrNotFound for an unknown group.
	SetGroupDigest(ctx context.Context, groupID, digest string) error
	// CreateGroupsWithMembers creates each group as CreateGroup does, with
	// its members and digest, in a few multi-row inserts, and returns the
	// groups as stored, in order. ErrConflict as CreateGroup: then none is
	// created.
	CreateGroupsWithMembers(ctx context.Context, gs []NewGroup) ([]Group, error)

	// AddGroupNHIMembers and RemoveGroupNHIMembers change which NHIs
	// (service accounts) are members of a group; adding a member twice or
	// removing a non-member is not an error. Both clear the digest.
	AddGroupNHIMembers(ctx context.Context, groupID string, nhiIDs []string) error
	RemoveGroupNHIMembers(ctx context.Context, groupID string, nhiIDs []string) error

	// RefreshStatistics brings the database's planner statistics of
	// persons and links up to date after bulk writes, so
	// lookups by a list of keys keep using their indexes while a first
	// import grows the tables from nothing (PostgreSQL plans by its
	// statistics; SQLite, without any, always prefers the indexes and
	// needs nothing).
	RefreshStatistics(ctx context.Context) error
}
