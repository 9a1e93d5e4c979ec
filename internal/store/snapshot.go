package store

import "context"

// SnapshotStore reads many pages as of one moment.
type SnapshotStore interface {
	// InSnapshot runs fn in a read-only transaction that sees one snapshot
	// of the database, whatever commits meanwhile: reads that page over a
	// large set (evidence exports) see every row once and agree with each
	// other. Writers are not blocked. fn holds a Reader: the transaction
	// is read-only on PostgreSQL and rolled back on both databases.
	InSnapshot(ctx context.Context, fn func(tx Reader) error) error
}
