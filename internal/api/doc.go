// Package api serves the JSON API under /api/v1: NHIs and projects,
// findings and re-ownership tasks, the catalog (items, their versions,
// simulate, retire, and the four-eyes changes a loosening edit becomes),
// access requests, approvals and grants, campaigns, their review items and
// evidence workbooks, and the audit trail. Every request is authenticated
// by an Authenticator (API bearer tokens with scopes, owner and expiry, or
// a web session), each route names the token scope it needs, and every
// object is authorized through internal/authz, the same policy the web UI
// uses. Domain work is delegated to the owning services (access, catalog's
// Editor, nhi, review, evidence); handlers decode, authorize, call and
// encode, and read the store through Server.Store.
package api
