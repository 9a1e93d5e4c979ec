package identity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// Op is what a Change does.
type Op int

const (
	// OpUpsert asserts a record: creates or updates the source's link.
	OpUpsert Op = iota
	// OpUnlink removes the source's link (a SCIM DELETE, or a record gone
	// from a full pull); the person is recomputed from what remains.
	OpUnlink
)

func (o Op) String() string {
	switch o {
	case OpUpsert:
		return "upsert"
	case OpUnlink:
		return "unlink"
	}
	return fmt.Sprintf("op(%d)", int(o))
}

// Record is one person as a source sees it.
type Record struct {
	ExternalID string
	// Attributes holds only the asserted canonical attributes: absent means
	// not asserted, "" means asserted empty. "manager" is not allowed here
	// (use Manager); "status" is optional.
	Attributes map[string]string
	// Manager is nil when the source says nothing about the manager and
	// &ManagerRef{} when it says there is none.
	Manager *ManagerRef
	// DN is the record's LDAP DN, kept so managers named by DN resolve.
	DN string
	// Raw is the source's own representation, stored on the link.
	Raw []byte
}

// Change is one record to apply.
type Change struct {
	Op     Op
	Record Record
	// New says the caller minted Record.ExternalID itself (a SCIM create
	// names its link with a fresh UUIDv7), so no link of the source has
	// it and none is read: a create saves a statement. Only for OpUpsert.
	New bool
}

// Batch is a set of changes from one source, applied in one transaction.
type Batch struct {
	Source  string
	Actor   string // audit actor; "source:<Source>" when empty
	Changes []Change
	// Then, when set, runs in the batch's transaction after its writes, so
	// a caller's own follow-up (the SCIM server dropping a deleted user's
	// group memberships) commits or rolls back with the batch.
	Then func(ctx context.Context, tx store.Tx, res Result) error
	// Prepare, when set, runs first in the batch's transaction and returns
	// changes applied after Changes: a caller's read-modify-write (a SCIM
	// PATCH) reads the current state under lock in the transaction that
	// writes it, so no concurrent write is lost. Its error aborts the
	// batch and is returned wrapped.
	Prepare func(ctx context.Context, tx store.Tx) ([]Change, error)
}

// Result says what happened to every change of a batch.
type Result struct {
	Applied  []Applied
	Rejected []Rejected
	// Warnings concern links from earlier batches retried here (a manager
	// that resolved into a cycle, say).
	Warnings []string
}

// Applied is a change that was accepted. Changed is false when the record
// is exactly what the source asserted before, in which case nothing was
// written for it.
type Applied struct {
	Index      int
	ExternalID string
	PersonID   string
	Created    bool // a new person was created
	Changed    bool // the source's link was written or removed
	Linked     bool // the record was linked to a person for the first time
	Status     store.Status
	Warnings   []string
	// Person is the person as written (or as read, when unchanged), and
	// Link the source's link as written, when the change wrote one: what
	// a SCIM response shows, without reading it back.
	Person store.Person
	Link   *store.SourceLink
	// JobFunctions are the person's open job functions after the change,
	// sorted, when the batch computed them (a new person); nil otherwise.
	JobFunctions []string
}

// Rejected is a change that was refused; nothing was written for it.
type Rejected struct {
	Index      int
	ExternalID string
	Reason     string
	Err        error // ErrInvalid, ErrAmbiguous, ErrLinkConflict or ErrNotLinked
}

// writeTx is what a batch reads and writes in its transaction: persons,
// their links and job functions (store.PersonWriter, which only this
// package calls), the sessions and tokens a leaver loses, and the audit
// chain.
type writeTx interface {
	store.PersonReader
	store.PersonWriter
	store.IdentityBatchReader
	store.RecordPathReader
	store.SecurityWriter
	store.AuditAppender
}

// Service is the identity write path.
type Service struct {
	Store  store.TxRunner
	Now    func() time.Time
	Logger *slog.Logger

	cfg compiled
}

// Option configures a Service.
type Option func(*Service)

// WithNow sets the clock.
func WithNow(now func() time.Time) Option { return func(s *Service) { s.Now = now } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.Logger = l } }

// New checks cfg, compiles its rules once and returns a Service. Every
// configuration problem is reported in the one error (see Config.Validate).
func New(cfg Config, st store.TxRunner, opts ...Option) (*Service, error) {
	c, errs := cfg.compile()
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	s := &Service{Store: st, Now: time.Now, Logger: slog.New(slog.DiscardHandler), cfg: c}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// maxAttempts bounds retries of a batch that lost a race with a concurrent
// writer (store.ErrConflict), e.g. two replicas linking the same record.
const maxAttempts = 3

// Apply writes the batch in one transaction with its audit events. Invalid
// records are rejected and the rest applied; an error means nothing was
// written at all.
func (s *Service) Apply(ctx context.Context, b Batch) (Result, error) {
	if b.Source == "" {
		return Result{}, errors.New("identity: apply: batch has no source")
	}
	var (
		res Result
		err error
	)
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		res, err = s.applyOnce(ctx, b)
		if err == nil || !errors.Is(err, store.ErrConflict) || ctx.Err() != nil {
			break
		}
		s.Logger.Warn("identity batch conflicted with a concurrent writer; retrying",
			"source", b.Source, "attempt", attempt, "error", err)
	}
	if err != nil {
		return Result{}, fmt.Errorf("identity: apply batch from %q: %w", b.Source, err)
	}
	return res, nil
}

func (s *Service) applyOnce(ctx context.Context, b Batch) (Result, error) {
	var res Result
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		b := b
		if b.Prepare != nil {
			more, err := b.Prepare(ctx, tx)
			if err != nil {
				return err
			}
			b.Changes = append(slices.Clip(b.Changes), more...)
		}
		bt := newBatch(s, tx, b)
		if err := bt.run(ctx); err != nil {
			return err
		}
		res = bt.res
		if b.Then != nil {
			return b.Then(ctx, tx, res)
		}
		return nil
	})
	return res, err
}

// ApplyOne applies a single change, for SCIM requests. A rejected change is
// returned as a *RejectedError wrapping ErrInvalid, ErrAmbiguous,
// ErrLinkConflict or ErrNotLinked.
func (s *Service) ApplyOne(ctx context.Context, source, actor string, c Change) (Applied, error) {
	res, err := s.Apply(ctx, Batch{Source: source, Actor: actor, Changes: []Change{c}})
	if err != nil {
		return Applied{}, err
	}
	if len(res.Rejected) > 0 {
		return Applied{}, &RejectedError{Rejected: res.Rejected[0]}
	}
	if len(res.Applied) == 0 {
		return Applied{}, errors.New("identity: apply one: change neither applied nor rejected")
	}
	return res.Applied[0], nil
}
