// Package migrations embeds syncd's versioned SQL schema, one directory per
// dialect (sqlite, postgres), applied with goose by the store.
package migrations
