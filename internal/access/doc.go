// Package access owns the request flow over the catalog in force (whose
// items, files, versions and lint are package catalog's): requests and
// their approval stages, and grants as a
// guarded state machine (pending → active → ending → ended) whose
// fulfillment and take-back are durable work carried out by a leasing
// worker (Service.ProcessFulfillments). Policy decisions themselves are
// package policy's.
package access
