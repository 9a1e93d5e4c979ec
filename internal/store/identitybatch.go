package store

import "context"

// IdentityBatchTx is what identity's write path reads and writes a batch
// at a time, so a pull of many records costs a few statements per batch
// rather than several per record.
type IdentityBatchTx interface {
	IdentityBatchReader
	IdentityBatchWriter
}

// IdentityBatchReader is the reading half of IdentityBatchTx.
type IdentityBatchReader interface {
	// GetSourceLinks returns the links of source among externalIDs (those
	// that exist), in no particular order.
	GetSourceLinks(ctx context.Context, source string, externalIDs []string) ([]SourceLink, error)
	// GetPersons returns the persons among ids that exist, in no
	// particular order.
	GetPersons(ctx context.Context, ids []string) ([]Person, error)
	// ListSourceLinksOf returns every link of the persons personIDs, of
	// every source, ordered by source and external id.
	ListSourceLinksOf(ctx context.Context, personIDs []string) ([]SourceLink, error)
	// FindPersonsIn returns the persons whose attribute named by key
	// equals one of values, compared case-insensitively, ordered by ID.
	FindPersonsIn(ctx context.Context, key MatchKey, values []string) ([]Person, error)
	// FindSourceLinksByDN returns the links of source whose "dn"
	// attribute equals one of dns, compared case-insensitively (as
	// FindSourceLinks does one value), in no particular order.
	FindSourceLinksByDN(ctx context.Context, source string, dns []string) ([]SourceLink, error)
}

// IdentityBatchWriter is the writing half of IdentityBatchTx.
type IdentityBatchWriter interface {
	// CreatePersons inserts ps as CreatePerson does each, with multi-row
	// inserts, and returns them as stored, in order.
	CreatePersons(ctx context.Context, ps []Person) ([]Person, error)
	// PutSourceLinks creates or replaces each link as PutSourceLink does,
	// with multi-row upserts; a replaced link keeps its stored CreatedAt.
	// It sets each element's times to those it stored (CreatedAt of a new
	// link, UpdatedAt, AssertedAt), so a caller can show the link as
	// written without reading it back.
	// Each (Source, ExternalID) may appear once.
	PutSourceLinks(ctx context.Context, ls []SourceLink) error
	// CreateSourceLinks inserts new links as PutSourceLink creates each,
	// with plain multi-row inserts: a link that exists already gives
	// ErrConflict (a concurrent writer linked it since it was read) and
	// nothing of the call is written.
	CreateSourceLinks(ctx context.Context, ls []SourceLink) error
}
