package store

import (
	"context"
	"time"
)

// GrantSecret is a credential a fulfillment issued (an api-key), kept until
// its requester retrieves it once; Secret is then emptied and TakenAt set.
type GrantSecret struct {
	GrantID   string
	RequestID string
	Secret    string
	CreatedAt time.Time
	TakenAt   *time.Time
}

// Catalog change states.
const (
	ChangePending  = "pending"
	ChangeApproved = "approved"
	ChangeRejected = "rejected"
)

// CatalogChange is a proposed change of a catalog item that loosens it and
// so waits for a second person (four eyes).
type CatalogChange struct {
	ID          string
	ItemID      string
	BaseVersion int // the stored version the change was made against (0: the file)
	Definition  []byte
	Retired     bool
	Reasons     []string // how it loosens the item
	Proposer    string   // actor ("person:<id>", "token:<name>")
	// ProposerPerson is the proposing person's id, "" for a token.
	ProposerPerson string
	State          string
	DecidedBy      string
	DecidedAt      *time.Time
	Comment        string
	AppliedVersion int
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// LifecycleTx is the grant lifecycle's part of Tx: claiming durable grant
// work, serialising decisions about one holder, one-time credentials and
// governed catalog changes.
type LifecycleTx interface {
	LifecycleReader
	LifecycleWriter
}

// LifecycleReader is the reading half of LifecycleTx.
type LifecycleReader interface {
	GetGrantSecret(ctx context.Context, grantID string) (GrantSecret, error)
	GetCatalogChange(ctx context.Context, id string) (CatalogChange, error)
	// ListCatalogChanges returns changes in state ("" all), oldest first.
	ListCatalogChanges(ctx context.Context, state string) ([]CatalogChange, error)
}

// LifecycleWriter is the writing half of LifecycleTx.
type LifecycleWriter interface {
	// ClaimGrantWork leases up to limit grants whose work is due at now
	// and not leased by a live worker, writing leaseUntil and token on
	// each; grants another transaction holds are skipped.
	ClaimGrantWork(ctx context.Context, now, leaseUntil time.Time, token string, limit int) ([]Grant, error)
	// LockHolder locks the person's row until the transaction ends, so
	// decisions about what one person holds are taken one at a time.
	LockHolder(ctx context.Context, personID string) error

	PutGrantSecret(ctx context.Context, s GrantSecret) error
	// TakeGrantSecret returns the secret and empties it in the same
	// transaction; a taken secret returns TakenAt set and Secret "".
	TakeGrantSecret(ctx context.Context, grantID string, at time.Time) (GrantSecret, error)

	CreateCatalogChange(ctx context.Context, c CatalogChange) (CatalogChange, error)
	UpdateCatalogChange(ctx context.Context, id string, fn func(CatalogChange) (CatalogChange, error)) (CatalogChange, error)
}
