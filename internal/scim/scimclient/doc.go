// Package scimclient is syncd's SCIM 2.0 client. Source pulls users and
// groups from an upstream service (an HR system) (RFC 7644 section
// 3.4.2): paged with startIndex/count, incremental by meta.lastModified
// where the server filters, retrying 429 and 5xx with Retry-After; it is a
// pull source for package pull. GroupWriter changes group membership in a
// downstream application with the same conventions (RFC 7644 section
// 3.5.2), for access fulfillment. It does not use the SCIM server library.
package scimclient
