// Package audit owns syncd's append-only audit log: every change of
// governance state is an event carrying the SHA-256 hash of the event before
// it, so an edit, deletion or reordering made behind syncd's back is found by
// Verify.
package audit
