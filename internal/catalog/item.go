package catalog

import (
	"time"

	"github.com/syncd-dev/syncd/internal/policy"
)

// Kinds of catalog items.
var Kinds = []string{"app-role", "group", "permission", "service-account-role", "api-key", "certificate", "token"}

// Item is one requestable catalog item: its policy (eligibility, approval,
// limits) plus what it grants and how that is fulfilled.
type Item struct {
	policy.ItemSpec
	Description string
	// OwnerRef is the owner as the catalog file names them (email,
	// employee number or userName); ItemSpec.OwnerID is the person it
	// resolved to, "" when it resolves to nobody.
	OwnerRef        string
	Target          Target
	DefaultDuration time.Duration
	Fulfillment     Fulfillment
	// Birthright lists job functions whose holders get the item without a
	// request (assurance birthright) and lose it with the function.
	Birthright []string
}

// Target is the system and entitlement an item grants.
type Target struct {
	System      string
	Entitlement string
}

// Fulfillment says how a grant is carried out.
type Fulfillment struct {
	Type   string // ldap-group, scim, webhook, manual, api-key, service-account
	Params map[string]string
}

// FulfillmentTypes lists the known fulfillment adapters.
var FulfillmentTypes = []string{"ldap-group", "scim", "webhook", "manual", "api-key", "service-account"}

// Catalog is a loaded catalog: its items in file order and the approver
// groups its stages may name, with members resolved to person IDs.
type Catalog struct {
	Items          []Item
	ApproverGroups map[string][]string
	// UnresolvedMembers lists approver-group member references that match
	// nobody, by group.
	UnresolvedMembers map[string][]string
}

// GroupMembers implements policy.Directory.
func (c *Catalog) GroupMembers(name string) []string { return c.ApproverGroups[name] }

// Specs returns the policy part of every item, for policy.Compile.
func (c *Catalog) Specs() []policy.ItemSpec {
	out := make([]policy.ItemSpec, len(c.Items))
	for i, it := range c.Items {
		out[i] = it.ItemSpec
	}
	return out
}

// With returns a copy of c with it in place of the item of the same id,
// or added after the others when c has none.
func (c *Catalog) With(it Item) *Catalog {
	out := &Catalog{ApproverGroups: c.ApproverGroups, UnresolvedMembers: c.UnresolvedMembers, Items: make([]Item, 0, len(c.Items)+1)}
	found := false
	for _, x := range c.Items {
		if x.ID == it.ID {
			x, found = it, true
		}
		out.Items = append(out.Items, x)
	}
	if !found {
		out.Items = append(out.Items, it)
	}
	return out
}
