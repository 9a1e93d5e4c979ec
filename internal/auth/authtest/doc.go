// Package authtest drives real sign-ins in tests: it starts the demo
// OpenID provider on loopback and walks a cookie-keeping HTTP client
// through the authorization code flow, its login form included.
package authtest
