package source

import (
	"context"
	"errors"

	"github.com/syncd-dev/syncd/internal/identity"
)

// Source is a system of record syncd pulls from.
type Source interface {
	// Name is the configured source name, the one links are kept under.
	Name() string
	// Pull reads the source and hands every record to sink. With
	// Request.Full (or no usable watermark) it enumerates everything, so
	// the runner can find what vanished; otherwise only what changed since
	// Request.Watermark. An error means the run failed; what the sink
	// already received stays applied.
	Pull(ctx context.Context, req Request, sink Sink) (Result, error)
	// Close releases connections.
	Close() error
}

// Request is what a run asks of a source.
type Request struct {
	Full      bool
	Watermark string // from the last successful run's Result; "" for none
}

// Result is what a completed pull reports.
type Result struct {
	// Full is true when the people were enumerated completely (a full run,
	// or an incremental one the source had to widen, e.g. when an AD pull
	// lands on another domain controller).
	Full bool
	// Watermark is where the next incremental run resumes.
	Watermark string
	// Groups and ServiceAccounts report whether the source enumerated them
	// completely this run, so vanished ones can be marked.
	Groups, ServiceAccounts bool
	// Inconsistent, when set, says why the enumeration was not a snapshot
	// (the collection changed while it was paged: totalResults moved,
	// records came twice or fewer came than announced). The runner then
	// still confirms every absence one by one, and reports the run partial.
	Inconsistent string
}

// Sink receives what a source reads. Person records are batched by the
// runner; groups and service accounts are applied after every person, so
// their members and owners resolve.
type Sink interface {
	Person(ctx context.Context, r identity.Record) error
	// Reject records an entry the source could not map, with the reason.
	Reject(externalID, reason string)
	Group(ctx context.Context, g Group) error
	ServiceAccount(ctx context.Context, a ServiceAccount) error
}

// Group is a directory group and its members.
type Group struct {
	ExternalID  string
	Name        string
	Description string
	DN          string
	// MemberDNs name members by DN (LDAP); MemberIDs by the external id of
	// their person record (SCIM). Members that are not persons of this
	// source are ignored.
	MemberDNs []string
	MemberIDs []string
}

// ServiceAccount is a non-human account found in the source.
type ServiceAccount struct {
	ExternalID  string
	Name        string
	DN          string
	Description string
	// OwnerRef is the owner as the source names it: a DN or a login. ""
	// when the account names no owner.
	OwnerRef string
	Disabled bool
}

// Error classes a source wraps its failures in, so a run's error says what
// to fix: credentials, the configured base, TLS, or the network.
var (
	ErrAuth        = errors.New("authentication failed")
	ErrNoSuchBase  = errors.New("base not found")
	ErrTLS         = errors.New("TLS failure")
	ErrUnreachable = errors.New("source unreachable")
	ErrProtocol    = errors.New("protocol error")
)
