// Package scim is syncd's SCIM 2.0 server (RFC 7643/7644) for identity
// providers that push users and groups, Microsoft Entra ID and Okta above
// all. It is the only importer of github.com/elimity-com/scim, which routes,
// validates bodies and parses filters and PATCH operations; authentication,
// filter evaluation (in the database, through store.Filter), PATCH
// application, projection, uniqueness, User.groups, paging counts, error
// mapping and the IdP quirks are done here. Every write goes through the
// identity write path (persons), or the store with audit events (groups and
// non-human users).
package scim
