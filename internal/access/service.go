package access

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
)

// Errors the request flow returns; callers map them to 400/403/404/409.
var (
	ErrInvalid      = errors.New("invalid request")
	ErrForbidden    = errors.New("not allowed")
	ErrNotFound     = errors.New("not found")
	ErrStateChanged = errors.New("its state changed meanwhile")
	// ErrConflict: the request collides with what the beneficiary holds
	// or has pending (the same item held for longer, a request already
	// waiting).
	ErrConflict = errors.New("conflicts with a held grant or a pending request")
	// ErrGone: a one-time credential was already retrieved.
	ErrGone = errors.New("already retrieved")
)

// Fulfiller carries a grant out in a target system and takes it back.
// Both calls must be idempotent: they are retried.
type Fulfiller interface {
	// Grant returns a reference to what it created (e.g. an NHI id) and
	// whether the grant is done; done=false means a person must confirm
	// (manual fulfillment) and the grant stays pending until they do.
	Grant(ctx context.Context, g store.Grant, it catalog.Item, holder store.Person) (ref string, done bool, err error)
	Revoke(ctx context.Context, g store.Grant, it catalog.Item, holder store.Person) error
}

// Service runs requests, approvals, grants and their expiry.
type Service struct {
	Store      store.Store
	Fulfillers map[string]Fulfiller // by Fulfillment.Type
	Now        func() time.Time
	Logger     *slog.Logger
	// NoticeOffsets are how long before a grant's end its holder is told
	// (default 14 days and 1 day).
	NoticeOffsets []time.Duration
	// Lease is how long a worker holds a grant's fulfillment or take-back
	// (default 5 minutes); the external call gets half of it.
	Lease time.Duration
	// Backoff is the first retry delay of a failed attempt, doubled with
	// each further attempt up to an hour (default 30s).
	Backoff time.Duration
	// MaxAttempts fulfillment attempts before a grant is failed (default 5).
	MaxAttempts int
	// EscalateAfter failed take-back attempts, the item owner is told
	// (default 3); the take-back keeps being retried.
	EscalateAfter int
	// Refresh, when set, rebuilds the catalog in force from the current
	// store (owner and approver names resolved now) before a request is
	// submitted or decided.
	Refresh func(ctx context.Context) error
	// Credentials opens issued credentials sealed by the api-key
	// fulfiller (its Cipher); nil takes the key of this process only.
	Credentials *CredentialCipher

	current  atomic.Pointer[compiled]
	kickOnce sync.Once
	kicks    chan struct{}
}

// compiled is one catalog version with its policies compiled; requests in
// flight keep the version they started with when the catalog is replaced.
type compiled struct {
	cat *catalog.Catalog
	pol *policy.Catalog
	// readsGrants: some CEL condition reads the beneficiary's grants, so a
	// decision needs every held item, not only the relevant ones.
	readsGrants bool
}

// SetCatalog compiles cat and makes it current (the catalog files changed,
// or owner and approver references resolve differently after a sync).
func (s *Service) SetCatalog(cat *catalog.Catalog) error {
	pc, errs := policy.Compile(cat.Specs())
	if len(errs) > 0 {
		return fmt.Errorf("access: catalog: %w", errors.Join(errs...))
	}
	reads := false
	for _, it := range cat.Items {
		for _, cond := range conditionsOf(it.ItemSpec) {
			reads = reads || strings.Contains(cond, "grants")
		}
	}
	s.current.Store(&compiled{cat: cat, pol: pc, readsGrants: reads})
	return nil
}

// Catalog returns the current catalog.
func (s *Service) Catalog() *catalog.Catalog { return s.current.Load().cat }

// Policy returns the current compiled policies.
func (s *Service) Policy() *policy.Catalog { return s.current.Load().pol }

// NewService compiles the catalog's policies once for this catalog version.
func NewService(st store.Store, cat *catalog.Catalog, fulfillers map[string]Fulfiller, logger *slog.Logger) (*Service, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{
		Store: st, Fulfillers: fulfillers, Now: time.Now, Logger: logger,
		NoticeOffsets: []time.Duration{14 * 24 * time.Hour, 24 * time.Hour},
	}
	if err := s.SetCatalog(cat); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Service) item(id string) (catalog.Item, bool) {
	for _, it := range s.Catalog().Items {
		if it.ID == id {
			return it, true
		}
	}
	return catalog.Item{}, false
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// policyPerson gathers what policy needs to know of a person.
func policyPerson(ctx context.Context, tx store.Reader, id string) (policy.Person, error) {
	p, err := tx.GetPerson(ctx, id)
	if err != nil {
		return policy.Person{}, err
	}
	jfs, err := tx.ListJobFunctions(ctx, id, false)
	if err != nil {
		return policy.Person{}, err
	}
	out := policy.Person{
		ID: p.ID, DisplayName: p.DisplayName, Email: p.Email, Department: p.Department, Title: p.Title,
		Status: string(p.Status), ManagerID: p.ManagerID,
	}
	if out.DisplayName == "" {
		out.DisplayName = p.UserName
	}
	for _, a := range jfs {
		out.JobFunctions = append(out.JobFunctions, a.JobFunction)
	}
	return out, nil
}

// heldItems returns the ids of items the person holds now (active or
// being fulfilled).
func heldItems(ctx context.Context, tx store.Reader, personID string) ([]string, error) {
	gs, err := tx.ListGrants(ctx, store.GrantQuery{HolderID: personID, States: []store.GrantState{store.GrantActive, store.GrantPending}, Limit: 1000})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(gs))
	for _, g := range gs {
		if g.HolderNHIID == "" { // grants of the person's NHIs are the NHIs'
			out = append(out, g.ItemID)
		}
	}
	return out, nil
}

// personNames names approvers in explanations: display name, else
// userName; "" (the id is kept) when the person cannot be read.
func personNames(ctx context.Context, tx store.Reader) func(string) string {
	return func(id string) string {
		p, err := tx.GetPerson(ctx, id)
		if err != nil {
			return ""
		}
		return p.Name()
	}
}

// conditionsOf lists an item's CEL conditions.
func conditionsOf(s policy.ItemSpec) []string {
	out := []string{s.Eligibility.When}
	if s.AutoApprove != nil {
		out = append(out, s.AutoApprove.When)
	}
	return out
}

// Subject reads a person as policy sees them now and the items they hold
// (catalog.Simulate replays decisions with it).
func Subject(ctx context.Context, tx store.Reader, personID string) (policy.Person, []string, error) {
	p, err := policyPerson(ctx, tx, personID)
	if err != nil {
		return policy.Person{}, nil, err
	}
	held, err := heldItems(ctx, tx, personID)
	return p, held, err
}
