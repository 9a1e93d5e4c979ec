package store

import "context"

// SCIMViewTx reads what a SCIM list shows of many persons at once, so a
// page of 200 users costs a few statements rather than three per user.
type SCIMViewTx interface {
	// ListCurrentJobFunctionsOf returns the open job-function assignments
	// of the persons personIDs, ordered by person, valid from and id.
	ListCurrentJobFunctionsOf(ctx context.Context, personIDs []string) ([]JobFunctionAssignment, error)
	// ListGroupsOfPersons returns, for each of personIDs in a group of
	// source, those groups ordered by id; persons in none are absent.
	ListGroupsOfPersons(ctx context.Context, personIDs []string, source string) (map[string][]Group, error)
	// ListUserViewShown is ListUserView with, for each person, what its
	// SCIM representation shows beside the pushed document, read in the
	// same statement as the page's rows: the lookup by userName an IdP
	// sends before every change is one statement. Groups are read only
	// when withGroups is set.
	ListUserViewShown(ctx context.Context, q ViewQuery, withGroups bool) ([]ShownUser, int, error)
}

// ShownUser is a resource of a source's user view with, for a person,
// what its SCIM representation adds to the document.
type ShownUser struct {
	ViewItem
	// Status and ManagerID are the person's (persons only).
	Status    Status
	ManagerID string
	// JobFunctions are the person's open job functions, ordered by valid
	// from and id; empty, not nil, for a person with none.
	JobFunctions []string
	// Groups are the source's groups the person is a member of, ordered
	// by id; nil when not asked for (and for NHIs).
	Groups []GroupRef
}

// GroupRef is what a user's representation shows of a group it is in.
type GroupRef struct {
	ID          string
	DisplayName string
}
