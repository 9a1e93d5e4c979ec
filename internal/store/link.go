package store

import "time"

// SourceLink ties (Source, ExternalID) to a person and keeps what that source
// last asserted. Attribute names are the canonical names used by identity
// (userName, email, title, department, manager, active, ...).
type SourceLink struct {
	Source     string
	ExternalID string
	PersonID   string
	// Attributes holds the values the source asserted, by canonical name.
	Attributes map[string]string
	// ManagerRef is the manager reference as the source gave it (external id,
	// DN or employee number), kept so a manager that arrives later resolves.
	ManagerRef string
	// Raw is the source's own representation (e.g. the SCIM resource JSON),
	// opaque to the store.
	Raw []byte
	// Version is raised by every write of the link (SCIM meta.version);
	// the store sets it.
	Version    int64
	AssertedAt time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}
