// Package pull runs pull sources (package source) into syncd: people
// through the identity write path in batches, directory groups and service
// accounts into the store with their audit events, vanished records found
// by full reconciliation. Every run is recorded as a store.SyncRun; a
// database lease makes each source run once across replicas, and Scheduler
// runs every source on its interval.
package pull
