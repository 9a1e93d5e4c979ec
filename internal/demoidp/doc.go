// Package demoidp is the OpenID provider behind `syncd demo` and the
// sign-in tests: zitadel's certified op package over an in-memory store of
// demo users, with a plain login form. It binds to loopback only and is
// never started by `syncd serve`.
package demoidp
