package demo

import _ "embed"

// Catalog is the demo organisation's catalog file: items owned by the demo
// catalog owner, with approvers among the demo logins.
//
//go:embed catalog.yaml
var Catalog []byte
