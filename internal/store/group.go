package store

import (
	"context"
	"time"
)

// Group is a group of persons as one source knows it: an IdP's SCIM group or
// a directory group. Groups belong to their source; two sources' groups with
// the same name are different groups.
type Group struct {
	ID          string
	Source      string
	ExternalID  string
	DisplayName string
	Description string
	Raw         []byte // the source's own representation, opaque to the store
	// Version is raised by every write of the group or its members (SCIM
	// meta.version); the store sets it.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// GroupQuery selects groups; empty fields do not filter.
type GroupQuery struct {
	Source      string
	DisplayName string // case-insensitive equality
	AfterID     string
	Limit       int // 0: DefaultLimit; All: every one
}

// GroupTx is the group part of Tx.
type GroupTx interface {
	GroupReader
	GroupWriter
}

// GroupReader is the reading half of GroupTx.
type GroupReader interface {
	GetGroup(ctx context.Context, id string) (Group, error)
	GetGroupByExternalID(ctx context.Context, source, externalID string) (Group, error)
	ListGroups(ctx context.Context, q GroupQuery) ([]Group, error)
	CountGroups(ctx context.Context, q GroupQuery) (int, error)
	ListGroupMembers(ctx context.Context, groupID string) ([]string, error)
	// ListPersonGroups returns the groups a person is in; source "" = all.
	ListPersonGroups(ctx context.Context, personID, source string) ([]Group, error)
}

// GroupWriter is the writing half of GroupTx.
type GroupWriter interface {
	// CreateGroup fails with ErrConflict when the source already has a group
	// with that external id or (case-insensitively) that display name.
	CreateGroup(ctx context.Context, g Group) (Group, error)
	UpdateGroup(ctx context.Context, id string, fn func(Group) (Group, error)) (Group, error)
	// DeleteGroup removes the group and its memberships.
	DeleteGroup(ctx context.Context, id string) error

	// Memberships. Adding an existing member or removing a missing one is
	// not an error.
	AddGroupMembers(ctx context.Context, groupID string, personIDs []string) error
	RemoveGroupMembers(ctx context.Context, groupID string, personIDs []string) error
	// SetGroupMembers replaces the whole member list.
	SetGroupMembers(ctx context.Context, groupID string, personIDs []string) error
	// RemovePersonFromGroups drops the person from every group of source.
	RemovePersonFromGroups(ctx context.Context, personID, source string) error
}
