package gormstore

import (
	"context"
	"database/sql"

	"gorm.io/gorm"

	"github.com/syncd-dev/syncd/internal/store"
)

// InSnapshot runs fn over one snapshot: on PostgreSQL a REPEATABLE READ
// READ ONLY transaction; on SQLite a deferred transaction on one
// connection (the pool's transactions take the write lock at BEGIN, which
// a long read must not), whose snapshot is taken at its first read and
// which WAL mode lets the writer run beside. It is always rolled back.
func (s *Store) InSnapshot(ctx context.Context, fn func(tx store.Reader) error) error {
	if s.driver == "postgres" {
		var fnErr error
		err := s.db.WithContext(ctx).Transaction(func(g *gorm.DB) error {
			fnErr = fn(&txn{db: g, inTx: true, dialect: s.dialect, now: s.now})
			return fnErr
		}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
		if fnErr != nil {
			return fnErr
		}
		return wrap("snapshot", err)
	}
	return s.db.WithContext(ctx).Connection(func(g *gorm.DB) error {
		if err := g.Exec("BEGIN DEFERRED").Error; err != nil {
			return wrap("snapshot: begin", err)
		}
		err := fn(&txn{db: g, inTx: true, dialect: s.dialect, now: s.now, writer: s.writer, writerWait: s.writerWait})
		if rerr := g.Exec("ROLLBACK").Error; rerr != nil && err == nil {
			err = wrap("snapshot: rollback", rerr)
		}
		return err
	})
}
