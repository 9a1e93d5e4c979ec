package gormstore

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	gormlogger "gorm.io/gorm/logger"
)

// gormLog routes gorm's messages to slog at debug level. Queries are logged
// without their parameters, which may hold personal data or token hashes.
// Failed statements are logged at debug too: the store returns the error,
// and expected failures (not found, conflicts) are not worth more.
type gormLog struct {
	l *slog.Logger
	// statements counts every statement gorm runs (not BEGIN and COMMIT),
	// for benchmarks that report round trips per request.
	statements *atomic.Int64
}

func newGormLogger(l *slog.Logger, statements *atomic.Int64) gormlogger.Interface {
	return gormLog{l: l.With("component", "gorm"), statements: statements}
}

func (g gormLog) LogMode(gormlogger.LogLevel) gormlogger.Interface { return g }

func (g gormLog) Info(ctx context.Context, msg string, args ...any) {
	g.l.DebugContext(ctx, msg, "args", args)
}

func (g gormLog) Warn(ctx context.Context, msg string, args ...any) {
	g.l.DebugContext(ctx, msg, "args", args)
}

func (g gormLog) Error(ctx context.Context, msg string, args ...any) {
	g.l.DebugContext(ctx, msg, "args", args)
}

func (g gormLog) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	g.statements.Add(1)
	if !g.l.Enabled(ctx, slog.LevelDebug) {
		return
	}
	sql, rows := fc()
	attrs := []any{"sql", sql, "rows", rows, "duration", time.Since(begin)}
	if err != nil {
		attrs = append(attrs, "error", err.Error())
	}
	g.l.DebugContext(ctx, "query", attrs...)
}

// ParamsFilter keeps parameter values out of the logged SQL.
func (g gormLog) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}
