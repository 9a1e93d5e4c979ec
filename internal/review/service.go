package review

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/store"
)

// Errors callers branch on.
var (
	ErrInvalid   = errors.New("review: invalid input")
	ErrForbidden = errors.New("review: forbidden")
	ErrClosed    = errors.New("review: closed")
)

// Revoker ends a grant through the grant lifecycle (take-back through its
// fulfiller). The access service's revocation is the default; a durable
// take-back can replace it without touching this package.
type Revoker interface {
	Revoke(ctx context.Context, grantID, by, reason string) error
}

// RevokerFunc adapts a function to Revoker.
type RevokerFunc func(ctx context.Context, grantID, by, reason string) error

// Revoke calls f.
func (f RevokerFunc) Revoke(ctx context.Context, grantID, by, reason string) error {
	return f(ctx, grantID, by, reason)
}

// NHIRetirer retires a non-human identity; *nhi.Service implements it.
type NHIRetirer interface {
	RetireNHI(ctx context.Context, actor, id string, check func(store.NHI) error) (store.NHI, error)
}

// NHIDisabler disables an NHI in the directory it came from (an LDAP
// service account locked through the source's write account).
type NHIDisabler interface {
	DisableNHI(ctx context.Context, n store.NHI) error
}

// CatalogSource gives the catalog in force; *access.Service implements it.
type CatalogSource interface {
	Catalog() *catalog.Catalog
}

// Service runs campaigns. Store is required; Catalog names items and
// their owners (nil: items are known by ID only); Revoker and NHI carry
// out revocations (nil: revocations fail and are escalated).
type Service struct {
	Store   store.Store
	Catalog CatalogSource
	Revoker Revoker
	NHI     NHIRetirer
	// Directories disable revoked NHIs in their source before they are
	// retired, by source name; sources without one are retired in syncd only.
	Directories map[string]NHIDisabler
	Now         func() time.Time
	Logger      *slog.Logger
	// PageSize is how many grants or NHIs one generation step freezes;
	// 5000 when 0.
	PageSize int

	defs  map[string]*Definition
	order []string
	// background counts generations started with StartOptions.Background.
	background sync.WaitGroup
	bgOnce     sync.Once
	bgCtx      context.Context
	bgCancel   context.CancelFunc
}

// NewService validates defs and returns a service over them.
func NewService(st store.Store, defs []Definition) (*Service, error) {
	s := &Service{Store: st, Now: time.Now, defs: map[string]*Definition{}}
	var errs []error
	for i := range defs {
		d := defs[i]
		for _, err := range d.Validate() {
			errs = append(errs, fmt.Errorf("review: campaigns[%d] (%s): %w", i, d.Name, err))
		}
		if _, dup := s.defs[d.Name]; dup {
			errs = append(errs, fmt.Errorf("review: campaigns[%d]: %q defined twice", i, d.Name))
			continue
		}
		s.defs[d.Name] = &d
		s.order = append(s.order, d.Name)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// Definitions returns the definitions in configuration order.
func (s *Service) Definitions() []Definition {
	out := make([]Definition, 0, len(s.order))
	for _, n := range s.order {
		out = append(out, *s.defs[n])
	}
	return out
}

func (s *Service) definition(name string) (*Definition, error) {
	d, ok := s.defs[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownDefinition, name)
	}
	return d, nil
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC().Truncate(time.Microsecond)
	}
	return s.Now().UTC().Truncate(time.Microsecond)
}

func (s *Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

func (s *Service) pageSize() int {
	if s.PageSize <= 0 {
		return 5000
	}
	return s.PageSize
}

func (s *Service) catalog() *catalog.Catalog {
	if s.Catalog == nil {
		return &catalog.Catalog{}
	}
	if c := s.Catalog.Catalog(); c != nil {
		return c
	}
	return &catalog.Catalog{}
}

// items indexes the catalog by item ID.
func (s *Service) items() map[string]catalog.Item {
	cat := s.catalog()
	out := make(map[string]catalog.Item, len(cat.Items))
	for _, it := range cat.Items {
		out[it.ID] = it
	}
	return out
}

// Actor is who decides: a person from a session (with the OIDC issuer and
// subject it signed in with) or from an API token acting for a person.
type Actor struct {
	PersonID string
	Issuer   string
	Subject  string
	Admin    bool
	Token    string // the API token's name, when not a session
}

func (a Actor) audit() string {
	if a.PersonID == "" && a.Token != "" {
		return "token:" + a.Token
	}
	return "person:" + a.PersonID
}

// system is the actor of defaults and scheduled work.
const system = "system"
