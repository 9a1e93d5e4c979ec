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
}
