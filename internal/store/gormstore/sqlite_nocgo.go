//go:build !cgo

package gormstore

import _ "modernc.org/sqlite" // registers "sqlite"

// DefaultSQLiteDriver is modernc's pure-Go driver in a build without cgo
// (no C compiler on the machine, or CGO_ENABLED=0), so syncd still runs on
// SQLite there; docs/adr/0001 compares the two.
const DefaultSQLiteDriver = SQLiteModernc

// mattnCode: mattn is not linked without cgo.
func mattnCode(error) (int, bool) { return 0, false }
