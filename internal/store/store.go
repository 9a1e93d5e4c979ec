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
	ReviewBulkTx
	EvidenceScanTx
	ClosePopulationTx
	SCIMViewTx
	NotifyTx
	WebCountTx
	AuditTrailTx

	// Persons.
	CreatePerson(ctx context.Context, p Person) (Person, error)
	GetPerson(ctx context.Context, id string) (Person, error)
	// UpdatePerson reads the person, passes it to fn and writes what fn
	// returns, all under a row lock in one transaction. An error from fn
	// aborts the update and is returned as is.
	UpdatePerson(ctx context.Context, id string, fn func(Person) (Person, error)) (Person, error)
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
	// PutSourceLink creates or replaces the link for (Source, ExternalID).
	PutSourceLink(ctx context.Context, l SourceLink) (SourceLink, error)
	DeleteSourceLink(ctx context.Context, source, externalID string) error
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
	OpenJobFunction(ctx context.Context, a JobFunctionAssignment) (JobFunctionAssignment, error)
	CloseJobFunction(ctx context.Context, id int64, at time.Time) error
	CreateMoverEvent(ctx context.Context, e MoverEvent) (MoverEvent, error)
	ListMoverEvents(ctx context.Context, personID string) ([]MoverEvent, error)

	// Audit.
	// AppendAudit links e after the current head: build computes the event
	// (its Seq, PrevHash and Hash) from the head, and the store persists it
	// while holding the chain lock, so concurrent appenders never fork.
	AppendAudit(ctx context.Context, build func(head AuditHead) (AuditEvent, error)) (AuditEvent, error)
	// AppendAuditEvents is AppendAudit for several events at once: build
	// returns them in order, the first following head, each following the
	// one before. One lock, one insert.
	AppendAuditEvents(ctx context.Context, build func(head AuditHead) ([]AuditEvent, error)) ([]AuditEvent, error)
	// GetAuditHead returns the chain head: the last event appended.
	GetAuditHead(ctx context.Context) (AuditHead, error)
	// ListAudit returns events with Seq > afterSeq in order, at most limit.
	ListAudit(ctx context.Context, afterSeq int64, limit int) ([]AuditEvent, error)
	// ListAuditByTarget returns the newest events on any of targets, newest
	// first, at most limit (100 when 0): an object's history.
	ListAuditByTarget(ctx context.Context, targets []string, limit int) ([]AuditEvent, error)

	// Sync runs.
	CreateSyncRun(ctx context.Context, r SyncRun) (SyncRun, error)
	UpdateSyncRun(ctx context.Context, id int64, fn func(SyncRun) (SyncRun, error)) (SyncRun, error)
	GetSyncRun(ctx context.Context, id int64) (SyncRun, error)
	// ListSyncRuns returns the newest runs first; source "" means all.
	ListSyncRuns(ctx context.Context, source string, limit int) ([]SyncRun, error)

	// Tokens.
	CreateToken(ctx context.Context, t Token) (Token, error)
	GetToken(ctx context.Context, id string) (Token, error)
	GetTokenByHash(ctx context.Context, hash []byte) (Token, error)
	ListTokens(ctx context.Context) ([]Token, error)
	RevokeToken(ctx context.Context, idOrName string, at time.Time) (Token, error)
	TouchToken(ctx context.Context, id string, at time.Time) error
}

// Store is a database holding syncd's state.
type Store interface {
	Tx
	SnapshotStore
	// InTx runs fn in one transaction: committed if fn returns nil, rolled
	// back entirely otherwise.
	InTx(ctx context.Context, fn func(tx Tx) error) error
	// Ping checks the database is reachable.
	Ping(ctx context.Context) error
	Close() error
}
