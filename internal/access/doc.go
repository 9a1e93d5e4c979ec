// Package access owns the curated catalog of requestable items: their
// definition, the lint that flags items making the model unsafe, and
// (as the request flow lands) requests, approvals and grants. Policy
// decisions themselves are package policy's.
package access
