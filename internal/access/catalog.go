package access

import "github.com/syncd-dev/syncd/internal/catalog"

// The catalog's types live in package catalog; these names keep the
// request flow's code and its callers reading as before.
type (
	// Item is catalog.Item.
	Item = catalog.Item
	// Target is catalog.Target.
	Target = catalog.Target
	// Fulfillment is catalog.Fulfillment.
	Fulfillment = catalog.Fulfillment
	// Catalog is catalog.Catalog.
	Catalog = catalog.Catalog
)
