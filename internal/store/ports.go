package store

import "context"

// Reader is every read of Tx and no write: what a handler, a report or an
// export holds, so the compiler refuses a write it was never meant to
// make (docs/adr/0017). Each XTx is split into XReader and XWriter in its
// own file; Reader gathers the read halves, and TestReaderIsEveryRead
// checks that none is missing.
type Reader interface {
	GroupReader
	NHIReader
	AccessReader
	CatalogReader
	LifecycleReader
	WebReader
	FindingReadTx
	TaskReader
	PullReader
	ViewTx
	NHIDocReader
	EvidenceTx
	ReviewReader
	SecurityReader
	JobReader
	PullBatchReader
	IdentityBatchReader
	RecordPathReader
	EvidenceScanTx
	SCIMViewTx
	NotifyReader
	WebCountTx
	AuditTrailTx
	PersonReader
	AuditReader
	SyncRunReader
	TokenReader
	ClosePopulationReader
}

// Tx holds every read.
var _ Reader = Tx(nil)

// ReadStore is the store as a read-only consumer sees it: each read as its
// own statement, and InSnapshot for several reads that must agree.
type ReadStore interface {
	Reader
	SnapshotStore
}

// TxRunner runs read-modify-write transactions: what a package that writes
// holds besides its narrow ports.
type TxRunner interface {
	// InTx runs fn in one transaction: committed if fn returns nil, rolled
	// back entirely otherwise.
	InTx(ctx context.Context, fn func(tx Tx) error) error
}
