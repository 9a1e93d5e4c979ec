// Package api serves the JSON API under /api/v1 for NHIs, projects,
// findings and re-ownership tasks. Requests are authenticated by a
// pluggable Authenticator (API bearer tokens now, OIDC sessions later) and
// authorized per object.
package api
