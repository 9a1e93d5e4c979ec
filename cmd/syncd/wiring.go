package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/requestlog"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
)

// flags parses a command's flags; the returned code is non-negative when the
// command must stop (help asked for, or bad flags).
func flags(e env, name string, args []string, define func(fs *flag.FlagSet)) (*flag.FlagSet, int) {
	fs := flag.NewFlagSet("syncd "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	define(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return fs, exitOK
		}
		return fs, exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "syncd %s: unexpected argument %q\n", name, fs.Arg(0))
		return fs, exitUsage
	}
	return fs, -1
}

// mustConfig loads the configuration, printing every problem on failure.
func mustConfig(e env, cmd, path string) (Config, int) {
	if path == "" {
		fmt.Fprintf(e.stderr, "syncd %s: --config is required\n", cmd)
		return Config{}, exitUsage
	}
	cfg, err := loadConfig(path, e.getenv)
	if err != nil {
		var ce ConfigErrors
		if errors.As(err, &ce) {
			fmt.Fprintf(e.stderr, "syncd %s: %s has %d problem(s):\n", cmd, path, len(ce))
			for _, fe := range ce {
				fmt.Fprintf(e.stderr, "  %s\n", fe)
			}
		} else {
			fmt.Fprintf(e.stderr, "syncd %s: %v\n", cmd, err)
		}
		return cfg, exitUsage
	}
	return cfg, -1
}

func newLogger(w io.Writer, c LogConfig) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(c.Level)))
	opts := &slog.HandlerOptions{Level: level}
	// Records logged with a request's context carry its request_id.
	if c.Format == "text" {
		return slog.New(requestlog.Handler(slog.NewTextHandler(w, opts)))
	}
	return slog.New(requestlog.Handler(slog.NewJSONHandler(w, opts)))
}

// defaultSQLiteCacheMiB is each SQLite connection's page cache unless
// storage.sqliteCacheMiB (or syncd sync) says otherwise: 8 MiB rather than
// SQLite's 2. With 2 MiB, SCIM creates on 100,000 users read the table
// pages of the links they look up back from the kernel with every
// request (pread under the B-tree seek in a profile); 8 MiB took creates
// from 1,617/s to 1,800/s at the same floor, peak RSS 107 → 163 MB under
// the benchmark's 16 clients. 16 MiB gave 1,870/s and 256 MB: every pooled
// connection fills its own cache (bench/README.md), and 8 MiB reached 211
// MB in one run, hence defaultSQLiteMemoryMiB: SQLite's soft limit on its
// memory in the process, past which the caches reuse their own pages.
const (
	defaultSQLiteCacheMiB  = 8
	defaultSQLiteMemoryMiB = 64
)

// openStore opens the configured database without changing it.
func openStore(ctx context.Context, cfg Config, logger *slog.Logger) (*gormstore.Store, error) {
	return gormstore.Open(ctx, gormstore.Options{
		Driver:                  cfg.Storage.Driver,
		DSN:                     cfg.Storage.resolved,
		MaxOpenConns:            cfg.Storage.MaxOpenConns,
		MaxIdleConns:            cfg.Storage.MaxIdleConns,
		ConnMaxLifetime:         time.Duration(cfg.Storage.ConnMaxLifetime),
		ConnMaxIdleTime:         time.Duration(cfg.Storage.ConnMaxIdleTime),
		SQLiteSynchronous:       cfg.Storage.SQLiteSynchronous,
		SQLiteCacheKiB:          cmp.Or(cfg.Storage.SQLiteCacheMiB, defaultSQLiteCacheMiB) * 1024,
		SQLiteWALAutoCheckpoint: cfg.Storage.walAutoCheckpoint,
		SQLiteSoftHeapLimitKiB:  cmp.Or(cfg.Storage.SQLiteMemoryMiB, defaultSQLiteMemoryMiB) * 1024,
		Logger:                  logger,
	})
}

// openMigrated loads the configuration and opens a store whose schema is
// current (migrating first when storage.autoMigrate is set); it returns
// the configuration too, so commands do not read the file twice.
func openMigrated(ctx context.Context, e env, cmd, path string) (*gormstore.Store, Config, int) {
	cfg, code := mustConfig(e, cmd, path)
	if code >= 0 {
		return nil, cfg, code
	}
	st, err := openStore(ctx, cfg, newLogger(e.stderr, cfg.Log))
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd %s: %v\n", cmd, err)
		return nil, cfg, exitFailure
	}
	if err := ensureSchema(ctx, st, cfg.Storage.AutoMigrate); err != nil {
		st.Close()
		fmt.Fprintf(e.stderr, "syncd %s: %v\n", cmd, err)
		return nil, cfg, exitFailure
	}
	return st, cfg, -1
}

// ensureSchema refuses an outdated schema unless autoMigrate is on.
func ensureSchema(ctx context.Context, st *gormstore.Store, autoMigrate bool) error {
	cur, latest, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if cur == latest {
		return nil
	}
	if cur > latest {
		return fmt.Errorf("database schema version %d is newer than this syncd knows (%d): upgrade syncd", cur, latest)
	}
	if !autoMigrate {
		return fmt.Errorf("database schema version %d is behind %d: run 'syncd migrate' or set storage.autoMigrate: true", cur, latest)
	}
	_, err = st.Migrate(ctx)
	return err
}
