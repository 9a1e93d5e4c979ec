// Package catalog is the home of the catalog as a domain (issue #10): for
// now the classification of a proposed item change as loosening, which
// the four-eyes change flow builds on. Parsing, merge of files and stored
// versions, lint and simulate still live in cmd/syncd and package access.
package catalog
