//go:build cgo

package gormstore

import (
	"errors"

	sqlite3 "github.com/mattn/go-sqlite3" // also registers "sqlite3"
)

// DefaultSQLiteDriver is the database/sql driver SQLite stores open when
// Options.SQLiteDriver is empty: mattn's cgo driver, the faster one
// (docs/adr/0001), whenever the binary is built with cgo.
const DefaultSQLiteDriver = SQLiteMattn

// mattnCode is the extended result code of a mattn error.
func mattnCode(err error) (int, bool) {
	var me sqlite3.Error
	if errors.As(err, &me) {
		return int(me.ExtendedCode), true
	}
	var mp *sqlite3.Error
	if errors.As(err, &mp) && mp != nil {
		return int(mp.ExtendedCode), true
	}
	return 0, false
}
