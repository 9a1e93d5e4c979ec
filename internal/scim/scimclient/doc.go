// Package scimclient pulls users and groups from an upstream SCIM 2.0
// service (an HR system) as a client (RFC 7644 section 3.4.2): paged with
// startIndex/count, incremental by meta.lastModified where the server
// filters, retrying 429 and 5xx with Retry-After. It is a pull source for
// package pull and does not use the SCIM server library.
package scimclient
