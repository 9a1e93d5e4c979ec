package gormstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/syncd-dev/syncd/internal/store"
)

// SQLite result codes (https://www.sqlite.org/rescode.html).
const (
	sqliteBusy            = 5
	sqliteLocked          = 6
	sqliteCantOpen        = 14
	sqliteForeignKey      = 787  // SQLITE_CONSTRAINT_FOREIGNKEY
	sqlitePrimaryKey      = 1555 // SQLITE_CONSTRAINT_PRIMARYKEY
	sqliteUnique          = 2067 // SQLITE_CONSTRAINT_UNIQUE
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
)

// errForeignKey marks a write referring to a row that does not exist; it is
// reported as store.ErrNotFound.
var errForeignKey = errors.New("referenced row does not exist")

// wrap prefixes err with the operation and maps database errors onto the
// store's sentinels. Errors that already carry a sentinel keep it.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("gormstore: %s: %w", op, classify(err))
}

// classify maps a database error onto store.ErrNotFound, ErrConflict or
// ErrUnavailable, keeping the original in the chain.
func classify(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrUnavailable):
		return err
	case errors.Is(err, gorm.ErrRecordNotFound):
		return store.ErrNotFound
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	if code, ok := sqliteCode(err); ok {
		switch {
		case code == sqliteUnique || code == sqlitePrimaryKey:
			return fmt.Errorf("%w: %w", store.ErrConflict, err)
		case code == sqliteForeignKey:
			return fmt.Errorf("%w: %w", store.ErrNotFound, errForeignKey)
		case code&0xff == sqliteBusy || code&0xff == sqliteLocked || code&0xff == sqliteCantOpen:
			return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
		}
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case pgUniqueViolation:
			return fmt.Errorf("%w: %w", store.ErrConflict, err)
		case pgForeignKeyViolation:
			return fmt.Errorf("%w: %w", store.ErrNotFound, errForeignKey)
		}
		if pgUnavailable(pgErr.Code) {
			return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
		}
		return err
	}
	if isConnError(err) {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}

// unavailable wraps err with store.ErrUnavailable unless it already is.
func unavailable(err error) error {
	if errors.Is(err, store.ErrUnavailable) {
		return err
	}
	return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
}

// sqliteCode returns the extended result code of a SQLite error from either
// driver: mattn's sqlite3.Error, or modernc's *sqlite.Error (matched by its
// Code method, so this package does not link modernc).
func sqliteCode(err error) (int, bool) {
	if code, ok := mattnCode(err); ok {
		return code, true
	}
	var ce interface{ Code() int }
	if errors.As(err, &ce) {
		return ce.Code(), true
	}
	return 0, false
}

func isConnError(err error) bool {
	var netErr net.Error
	var connErr *pgconn.ConnectError
	return errors.As(err, &connErr) ||
		errors.As(err, &netErr) ||
		errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		pgconn.Timeout(err)
}

// pgUnavailable reports whether a SQLSTATE says the database cannot serve
// now but may soon, so the client should retry (503), by class rather
// than by message: 08 connection exception, 53 insufficient resources
// (53300 too many connections), 57P01-57P05 shutdown, crash, cannot
// connect now, idle timeouts, 40001 serialization failure and 40P01
// deadlock (after InTx's own retries), 55P03 lock not available.
func pgUnavailable(code string) bool {
	switch {
	case strings.HasPrefix(code, "08"), strings.HasPrefix(code, "53"), strings.HasPrefix(code, "57P"):
		return true
	case code == "40001", code == "40P01", code == "55P03":
		return true
	}
	return false
}

// retryable reports a transaction that failed only because it lost to a
// concurrent one (serialization failure, deadlock): running it again is
// correct and usually succeeds.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}
