package identity

import (
	"errors"
	"fmt"
)

// Kinds of rejection; a Rejected's Err is one of them, so callers (the SCIM
// server choosing 400, 404 or 409) can branch with errors.Is.
var (
	// ErrInvalid: the record itself is malformed.
	ErrInvalid = errors.New("invalid record")
	// ErrAmbiguous: the record's match keys point at more than one person.
	ErrAmbiguous = errors.New("ambiguous correlation")
	// ErrLinkConflict: the matching person is already linked to another
	// record of the same source.
	ErrLinkConflict = errors.New("person already linked to another record of this source")
	// ErrNotLinked: an unlink named a record the source never linked.
	ErrNotLinked = errors.New("not linked")
)

// RejectedError is what ApplyOne returns for a rejected record.
type RejectedError struct {
	Rejected Rejected
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("identity: record %q rejected: %s", e.Rejected.ExternalID, e.Rejected.Reason)
}

func (e *RejectedError) Unwrap() error { return e.Rejected.Err }
