// Package identity is the one write path for persons: every source (SCIM
// push, LDAP pull, upstream SCIM/HR pull) hands it batches of records, and it
// correlates them to persons, merges attributes by per-attribute source
// precedence, resolves managers, derives job functions from CEL rules and
// records mover and audit events, all in one store transaction per batch.
package identity
