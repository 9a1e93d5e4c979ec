package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/api"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
)

func cmdServe(ctx context.Context, e env, args []string) int {
	var path string
	if _, code := flags(e, "serve", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "configuration file")
	}); code >= 0 {
		return code
	}
	cfg, code := mustConfig(e, "serve", path)
	if code >= 0 {
		return code
	}
	logger := newLogger(e.stderr, cfg.Log)
	st, err := openStore(ctx, cfg, logger)
	if err != nil {
		logger.Error("open store", "err", err)
		return exitFailure
	}
	defer st.Close()
	if err := ensureSchema(ctx, st, cfg.Storage.AutoMigrate); err != nil {
		logger.Error("schema", "err", err)
		return exitFailure
	}
	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		logger.Error("listen", "addr", cfg.Server.Listen, "err", err)
		return exitFailure
	}
	d, err := newDaemon(ctx, cfg, st, logger)
	if err != nil {
		logger.Error("start", "err", err)
		return exitFailure
	}
	err = d.serve(ctx, ln)
	d.background.Wait()
	if err != nil {
		logger.Error("serve", "err", err)
		return exitFailure
	}
	return exitOK
}

// daemon is a running syncd: its store, HTTP handlers and background work.
type daemon struct {
	cfg    Config
	store  *gormstore.Store
	logger *slog.Logger
	mux    *http.ServeMux
	nhi    *nhiRunner // NHI evaluation; syncs call d.nhi.EvaluateSoon()
	// apiAuth authenticates /api/v1: API tokens, and the web session
	// when the web UI is on.
	apiAuth api.Chain
	access  *access.Service // nil when no catalog is configured
	holder  string          // this process in job leases
	// background is the scheduled work serve waits for on shutdown.
	background sync.WaitGroup
}

func newDaemon(ctx context.Context, cfg Config, st *gormstore.Store, logger *slog.Logger) (*daemon, error) {
	d := &daemon{cfg: cfg, store: st, logger: logger, mux: http.NewServeMux(), holder: processHolder()}
	d.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	d.mux.HandleFunc("GET /readyz", d.readyz)
	// Access and NHI first: the API serves both, the web pages show NHI
	// findings. Pulls start last: their runs ask the NHI runner to evaluate.
	for _, start := range []func(context.Context) error{d.startAccess, d.startNHI, d.startWeb, d.startSCIM, d.startPull} {
		if err := start(ctx); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// readyz answers 200 only when the store is reachable and its schema is
// the one this binary expects.
func (d *daemon) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := d.store.Ping(ctx); err != nil {
		d.logger.Warn("readyz: store unreachable", "err", err)
		http.Error(w, "store unreachable", http.StatusServiceUnavailable)
		return
	}
	cur, latest, err := d.store.SchemaVersion(ctx)
	if err != nil || cur != latest {
		http.Error(w, fmt.Sprintf("schema version %d, want %d", cur, latest), http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
}

// serve runs the HTTP server on ln until ctx is cancelled, then lets
// in-flight requests finish within server.shutdownTimeout.
func (d *daemon) serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           d.mux,
		ReadHeaderTimeout: time.Duration(d.cfg.Server.ReadHeaderTimeout),
		ErrorLog:          slog.NewLogLogger(d.logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	d.cfg.Server.applyLimits(srv)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	d.logger.Info("syncd listening", "addr", ln.Addr().String(), "url", d.cfg.listenBaseURL(), "storage", d.cfg.Storage.Driver)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	d.logger.Info("shutting down", "timeout", time.Duration(d.cfg.Server.ShutdownTimeout).String())
	sctx, cancel := context.WithTimeout(context.Background(), time.Duration(d.cfg.Server.ShutdownTimeout))
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	d.logger.Info("stopped")
	return nil
}
