package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// SourceState is what a pull source remembers between runs: where the
// last incremental read stopped and when it last reconciled in full.
type SourceState struct {
	Source string
	// Watermark is opaque to the store: the source's own encoding of where
	// to resume (an LDAP modifyTimestamp or uSNChanged, a SCIM
	// meta.lastModified).
	Watermark  string
	LastFullAt *time.Time // the last successful full reconciliation
	UpdatedAt  time.Time
}

// LinkKey is the part of a source link a pull needs to find what changed
// and what vanished, without decoding every link in full.
type LinkKey struct {
	ExternalID string
	PersonID   string
	DN         string // the "dn" attribute, "" when the source has none
	// RawDigest is RawDigest(Raw) of the link's document, stored with it
	// at every write, so a pull compares what a record asserts without
	// reading the document. "" when the link has no document, or was
	// written before digests were stored: Raw then holds the document.
	RawDigest string
	Raw       []byte
}

// RawDigest identifies a link's document (SourceLink.Raw): the first 16
// bytes of its SHA-256, in hex; "" for none.
func RawDigest(raw []byte) string {
	if len(raw) == 0 {
		return ""
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:16])
}

// PullTx is the storage a scheduled pull needs besides persons, groups
// and NHIs: its resume state, the keys of the links it owns, and leases so
// that several replicas sharing one database run each job once.
type PullTx interface {
	PullReader
	PullWriter
}

// PullReader is the reading half of PullTx.
type PullReader interface {
	// GetSourceState fails with ErrNotFound before the first run.
	GetSourceState(ctx context.Context, source string) (SourceState, error)

	// ListLinkKeys returns the links of source with external id >
	// afterExternalID, ordered by external id, at most limit (100 when 0).
	ListLinkKeys(ctx context.Context, source, afterExternalID string, limit int) ([]LinkKey, error)
}

// PullWriter is the writing half of PullTx.
type PullWriter interface {
	// PutSourceState creates or replaces the state of s.Source.
	PutSourceState(ctx context.Context, s SourceState) (SourceState, error)

	// AcquireLease takes or renews the lease name for holder until
	// now+ttl. It returns false, without error, while another holder's
	// lease has not expired.
	AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error)
	// ReleaseLease gives the lease up if holder holds it.
	ReleaseLease(ctx context.Context, name, holder string) error
}
