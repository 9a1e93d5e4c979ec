// Package store holds syncd's domain types and the storage contract every
// backend implements. It imports nothing of syncd's own and no ORM: the
// implementations live in child packages (gormstore), and one conformance
// suite (storetest) is run against each of them.
package store
