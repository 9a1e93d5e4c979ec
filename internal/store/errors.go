package store

import "errors"

// Errors every Store implementation returns (wrapped with %w) so callers can
// branch with errors.Is without knowing the backend.
var (
	// ErrNotFound: the object asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a uniqueness constraint would be violated.
	ErrConflict = errors.New("conflict")
	// ErrUnavailable: the database could not be reached or timed out.
	ErrUnavailable = errors.New("store unavailable")
)
