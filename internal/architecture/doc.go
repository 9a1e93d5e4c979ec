// Package architecture holds the test that keeps syncd's import rules
// (docs/architecture.md) true: each third-party library has one owner
// package, and domain packages never import the HTTP surface or cmd.
package architecture
