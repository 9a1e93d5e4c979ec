package gormstore

import (
	"context"
	"fmt"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/syncd-dev/syncd/migrations"
)

// provider builds a goose provider over the embedded migrations of the
// store's dialect. On PostgreSQL a session advisory lock keeps replicas
// that start together from migrating at the same time.
func (s *Store) provider() (*goose.Provider, error) {
	fsys, err := migrations.FS(s.driver)
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectSQLite3
	opts := []goose.ProviderOption{goose.WithSlog(s.logger.With("component", "goose"))}
	if s.driver == DriverPostgres {
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(dialect, s.sqlDB, fsys, opts...)
}

// Migrate applies the pending migrations and returns the resulting schema
// version. Running it on an up-to-date database changes nothing.
func (s *Store) Migrate(ctx context.Context) (int64, error) {
	p, err := s.provider()
	if err != nil {
		return 0, fmt.Errorf("gormstore: migrate: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return 0, fmt.Errorf("gormstore: migrate: %w", classify(err))
	}
	for _, r := range results {
		s.logger.InfoContext(ctx, "applied migration", "version", r.Source.Version, "duration", r.Duration)
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("gormstore: migrate: %w", classify(err))
	}
	return v, nil
}

// SchemaVersion reports the database's schema version and the latest
// version this binary knows.
func (s *Store) SchemaVersion(ctx context.Context) (current, latest int64, err error) {
	p, err := s.provider()
	if err != nil {
		return 0, 0, fmt.Errorf("gormstore: schema version: %w", err)
	}
	current, latest, err = p.GetVersions(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("gormstore: schema version: %w", classify(err))
	}
	return current, latest, nil
}
