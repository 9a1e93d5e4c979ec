// Package storetest is the conformance suite every store.Store
// implementation must pass; backends call Run from their own tests.
package storetest
