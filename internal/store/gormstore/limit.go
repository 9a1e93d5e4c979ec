package gormstore

import "github.com/syncd-dev/syncd/internal/store"

// defaultLimit is the page size when a query asks for none.
const defaultLimit = store.DefaultLimit

// pageLimit turns a query's Limit into gorm's: store.DefaultLimit for 0,
// -1 (no LIMIT clause) for store.All, n otherwise. Any other negative
// number reads as 0, as it always did.
func pageLimit(n int) int {
	switch {
	case n == store.All:
		return -1
	case n <= 0:
		return defaultLimit
	}
	return n
}
