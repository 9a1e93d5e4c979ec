// Package token issues and checks syncd's bearer tokens (SCIM push and JSON
// API). A secret is shown once; only its SHA-256 hash is stored, and checks
// compare hashes in constant time.
package token
