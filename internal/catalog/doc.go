// Package catalog owns the catalog of requestable items as a domain: the
// item and its file shape, parsing of catalog files, the merge of files and
// item versions stored through the API (Source.Effective), lint, simulate,
// the classification of a change as loosening (Loosens), and Editor, which
// stores versions with their audit events, governs loosening changes (four
// eyes: Put, Approve, Reject) and rebuilds the catalog the request flow
// runs on. Policy compilation (CEL) is package policy's; the request flow
// over the catalog is package access's.
package catalog
