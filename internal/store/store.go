package store

import (
	"context"
	"time"
)

// Tx is the set of operations available inside one transaction. Every method
// is also available on Store, where it runs as its own transaction.
type Tx interface {
	GroupTx
	NHITx
	AccessTx
	CatalogTx
	LifecycleTx
	WebTx
	FindingTx
	TaskTx
	PullTx
	ViewTx
	NHIDocTx
	EvidenceTx
	ReviewTx
	SecurityTx
	JobTx
	SCIMWriteTx
	PullBatchTx
	IdentityBatchTx
	RecordPathReader
	ReviewBulkTx
	EvidenceScanTx
	ClosePopulationTx
	SCIMViewTx
	NotifyTx
	WebCountTx
	AuditTrailTx

	PersonReader
	PersonWriter
	AuditReader
	AuditAppender
	SyncRunReader
	SyncRunWriter
	TokenReader
	TokenWriter
}

// PersonReader reads persons, their source links, job functions and mover
// events.
type PersonReader interface {
	GetPerson(ctx context.Context, id string) (Person, error)
	// FindPersons returns persons whose attribute named by key equals value,
	// compared case-insensitively, ordered by ID.
	FindPersons(ctx context.Context, key MatchKey, value string) ([]Person, error)
	ListPersons(ctx context.Context, q PersonQuery) ([]Person, error)
	CountPersons(ctx context.Context, q PersonQuery) (int, error)
	// ListPersonRefs returns every person's ID, status, manager, userName
	// and email in one query, ordered by ID: what set-based evaluations
	// over the whole population need, without full rows.
	ListPersonRefs(ctx context.Context) ([]PersonRef, error)

	// Source links.
	GetSourceLink(ctx context.Context, source, externalID string) (SourceLink, error)
	ListSourceLinks(ctx context.Context, personID string) ([]SourceLink, error)
	// FindSourceLinks returns the links of source whose asserted attribute
	// name equals value (case-insensitively), ordered by external id.
	FindSourceLinks(ctx context.Context, source, attribute, value string) ([]SourceLink, error)
	// ListUnresolvedManagerLinks returns links of source with a manager
	// reference that did not resolve yet: ManagerRef set, and no "manager"
	// attribute (the resolved person ID) asserted.
	ListUnresolvedManagerLinks(ctx context.Context, source string) ([]SourceLink, error)

	// Job functions.
	ListJobFunctions(ctx context.Context, personID string, history bool) ([]JobFunctionAssignment, error)
	ListMoverEvents(ctx context.Context, personID string) ([]MoverEvent, error)
}

// PersonWriter writes persons, their source links, job functions and mover
// events. Package identity is its only caller outside the store (the
// architecture test TestOnlyIdentityWritesPersons holds it so).
type PersonWriter interface {
	IdentityBatchWriter

	CreatePerson(ctx context.Context, p Person) (Person, error)
	// UpdatePerson reads the person, passes it to fn and writes what fn
	// returns, all under a row lock in one transaction. An error from fn
	// aborts the update and is returned as is.
	UpdatePerson(ctx context.Context, id string, fn func(Person) (Person, error)) (Person, error)

	// PutSourceLink creates or replaces the link for (Source, ExternalID).
	PutSourceLink(ctx context.Context, l SourceLink) (SourceLink, error)
	DeleteSourceLink(ctx context.Context, source, externalID string) error

	OpenJobFunction(ctx context.Context, a JobFunctionAssignment) (JobFunctionAssignment, error)
	CloseJobFunction(ctx context.Context, id int64, at time.Time) error
	CreateMoverEvent(ctx context.Context, e MoverEvent) (MoverEvent, error)
}

// AuditReader reads the audit chain.
type AuditReader interface {
	// GetAuditHead returns the chain head: the last event appended.
	GetAuditHead(ctx context.Context) (AuditHead, error)
	// ListAudit returns events with Seq > afterSeq in order, at most limit.
	ListAudit(ctx context.Context, afterSeq int64, limit int) ([]AuditEvent, error)
	// ListAuditByTarget returns the newest events on any of targets, newest
	// first, at most limit (100 when 0): an object's history.
	ListAuditByTarget(ctx context.Context, targets []string, limit int) ([]AuditEvent, error)
}

// AuditAppender appends to the audit chain. Package audit is its only
// caller outside the store (TestOnlyAuditAppendsAudit holds it so): it
// computes the hashes and checks the action against the vocabulary.
type AuditAppender interface {
	// AppendAudit links e after the current head: build computes the event
	// (its Seq, PrevHash and Hash) from the head, and the store persists it
	// while holding the chain lock, so concurrent appenders never fork.
	AppendAudit(ctx context.Context, build func(head AuditHead) (AuditEvent, error)) (AuditEvent, error)
	// AppendAuditEvents is AppendAudit for several events at once: build
	// returns them in order, the first following head, each following the
	// one before. One lock, one insert.
	AppendAuditEvents(ctx context.Context, build func(head AuditHead) ([]AuditEvent, error)) ([]AuditEvent, error)
	AuditQueuer
}

// SyncRunReader reads the runs of pulls.
type SyncRunReader interface {
	GetSyncRun(ctx context.Context, id int64) (SyncRun, error)
	// ListSyncRuns returns the newest runs first; source "" means all.
	ListSyncRuns(ctx context.Context, source string, limit int) ([]SyncRun, error)
}

// SyncRunWriter records the runs of pulls.
type SyncRunWriter interface {
	CreateSyncRun(ctx context.Context, r SyncRun) (SyncRun, error)
	UpdateSyncRun(ctx context.Context, id int64, fn func(SyncRun) (SyncRun, error)) (SyncRun, error)
}

// TokenReader reads API and SCIM tokens.
type TokenReader interface {
	GetToken(ctx context.Context, id string) (Token, error)
	GetTokenByHash(ctx context.Context, hash []byte) (Token, error)
	ListTokens(ctx context.Context) ([]Token, error)
}

// TokenWriter issues, revokes and touches tokens.
type TokenWriter interface {
	CreateToken(ctx context.Context, t Token) (Token, error)
	RevokeToken(ctx context.Context, idOrName string, at time.Time) (Token, error)
	TouchToken(ctx context.Context, id string, at time.Time) error
}

// Store is a database holding syncd's state.
type Store interface {
	Tx
	SnapshotStore
	TxRunner
	// Ping checks the database is reachable.
	Ping(ctx context.Context) error
	Close() error
}
