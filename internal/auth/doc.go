// Package auth signs people in to the web UI: an OpenID Connect relying
// party (discovery, authorization code flow with PKCE S256, single-use state
// bound to the browser session, nonce, ID-token verification), server-side
// sessions in the store with idle and absolute timeouts, CSRF protection,
// and roles from the IdP's group claims. It is the only importer of
// go-oidc and x/oauth2.
package auth
