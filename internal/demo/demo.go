package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/store"
)

// Source names the demo writes through; the demo configuration gives them
// their roles (HR and IdP).
const (
	SourceHR  = "workday"
	SourceIdP = "entra"
)

// Login is a demo account at the demo OpenID provider, linked by email to
// one generated person.
type Login struct {
	Role     string // what the account demonstrates
	Username string
	Password string
	Name     string
	Email    string
	Groups   []string // IdP groups, mapped to syncd roles by the demo config
}

// Group names the demo config maps to roles.
const (
	GroupAdmins        = "syncd-admins"
	GroupAuditors      = "syncd-auditors"
	GroupCatalogOwners = "syncd-catalog-owners"
)

// Password is every demo account's password. The provider only listens on
// loopback and only runs under `syncd demo`.
const Password = "demo"

// Summary says what Generate wrote.
type Summary struct {
	People, Movers, NHIs, Projects, Groups, Runs int
}

// Options configure Generate.
type Options struct {
	Store store.Store
	// Identity builds the identity write path for a clock; Generate moves
	// the clock back in time so histories look lived-in.
	Identity func(now func() time.Time) (*identity.Service, error)
	Now      time.Time
	People   int    // about this many people; 300 when zero
	Seed     uint64 // 0 means 1
}

// Generate writes the organisation into an empty store. It refuses a store
// that already holds people, so a second run never duplicates.
func Generate(ctx context.Context, o Options) (Summary, error) {
	if o.Store == nil || o.Identity == nil {
		return Summary{}, errors.New("demo: store and identity are required")
	}
	n, err := o.Store.CountPersons(ctx, store.PersonQuery{})
	if err != nil {
		return Summary{}, fmt.Errorf("demo: count people: %w", err)
	}
	if n > 0 {
		return Summary{}, fmt.Errorf("demo: the store already holds %d people; reset it to generate again", n)
	}
	if o.People == 0 {
		o.People = 300
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	g := &gen{o: o, rnd: rand.New(rand.NewPCG(o.Seed, o.Seed^0x5eed)), now: o.Now.UTC()}
	if err := g.people(ctx); err != nil {
		return Summary{}, err
	}
	if err := g.movers(ctx); err != nil {
		return Summary{}, err
	}
	if err := g.groups(ctx); err != nil {
		return Summary{}, err
	}
	if err := g.nhis(ctx); err != nil {
		return Summary{}, err
	}
	return g.sum, nil
}

// Logins returns the demo accounts: one per role plus a manager and an
// employee, each linked to a generated person by email.
func Logins() []Login {
	return []Login{
		{Role: "admin", Username: "ada", Password: Password, Name: "Ada Lindqvist", Email: "ada.lindqvist@example.com", Groups: []string{GroupAdmins}},
		{Role: "auditor", Username: "otto", Password: Password, Name: "Otto Brandt", Email: "otto.brandt@example.com", Groups: []string{GroupAuditors}},
		{Role: "catalog-owner", Username: "cora", Password: Password, Name: "Cora Mendes", Email: "cora.mendes@example.com", Groups: []string{GroupCatalogOwners}},
		{Role: "manager", Username: "max", Password: Password, Name: "Max Okafor", Email: "max.okafor@example.com"},
		{Role: "employee", Username: "eli", Password: Password, Name: "Eli Novak", Email: "eli.novak@example.com"},
	}
}
