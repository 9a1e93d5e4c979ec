// Package demo generates the organisation `syncd demo` shows: a few
// hundred people across departments with managers and job functions,
// written through the identity write path from an HR and an IdP source,
// movers, directory groups, service accounts covering every orphan case,
// and sync runs. The same seed gives the same organisation.
package demo
