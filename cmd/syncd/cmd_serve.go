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
	"sync/atomic"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/api"
	"github.com/syncd-dev/syncd/internal/jobs"
	"github.com/syncd-dev/syncd/internal/metrics"
	"github.com/syncd-dev/syncd/internal/requestlog"
	"github.com/syncd-dev/syncd/internal/review"
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
	tuneGC(e.getenv, 512<<20)
	tuneProcs(e.getenv)
	st, err := openStore(ctx, cfg, logger)
	if err != nil {
		logger.Error("open store", "err", err)
		return exitFailure
	}
	// The store closes last: after HTTP, the job runner and every other
	// goroutine of the daemon have stopped (d.serve waits for them).
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
		ln.Close()
		logger.Error("start", "err", err)
		return exitFailure
	}
	if err := d.serve(ctx, ln); err != nil {
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
	review  *review.Service
	dirs    directoryWriters // one LDAP writer per source, shared by access, NHI and review
	sec     *securityParts   // security event recorder and failure limiter, shared by web and API
	routes  []string         // the web UI's and the API's route patterns, for the route × role test
	// jobs runs every scheduled and deferred task; the start functions
	// register theirs, serve runs it.
	jobs    *jobs.Runner
	metrics *metrics.Metrics
	notify  *notifyParts // notification delivery (serve_notify.go)
	// local are per-process loops (cache refreshes, not scheduled work)
	// that serve starts and waits for; closers run after everything
	// stopped (LDAP connections, pull sources).
	local    []func(ctx context.Context)
	closers  []func() error
	draining atomic.Bool
}

func newDaemon(ctx context.Context, cfg Config, st *gormstore.Store, logger *slog.Logger) (*daemon, error) {
	d := &daemon{cfg: cfg, store: st, logger: logger, mux: http.NewServeMux()}
	d.metrics = newMetrics(st, func() []string { return d.jobs.Kinds() }, logger)
	d.jobs = &jobs.Runner{
		Store: st, Holder: processHolder(), Logger: logger.With("component", "jobs"),
		Workers: cfg.Jobs.Workers, LeaseTTL: time.Duration(cfg.Jobs.LeaseTTL), Poll: time.Duration(cfg.Jobs.PollInterval),
		MaxAttempts: cfg.Jobs.MaxAttempts, Grace: time.Duration(cfg.Server.ShutdownTimeout), Observer: d.metrics,
	}
	d.registerJobMaintenance()
	dirs, err := cfg.openDirectoryWriters()
	if err != nil {
		return nil, err
	}
	d.dirs = dirs
	d.closers = append(d.closers, func() error { dirs.Close(); return nil })
	d.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	d.mux.HandleFunc("GET /readyz", d.readyz)
	if !cfg.Metrics.Disabled && cfg.Metrics.Listen == "" {
		d.mux.Handle("GET /metrics", d.metrics.Handler(cfg.Metrics.token))
	}
	// Access and NHI first: the API serves both, the web pages show NHI
	// findings. Pulls start last: their runs ask the NHI runner to evaluate.
	for _, start := range []func(context.Context) error{d.startAccess, d.startReview, d.startNHI, d.startNotify, d.startWeb, d.startSCIM, d.startPull} {
		if err := start(ctx); err != nil {
			d.close()
			return nil, err
		}
	}
	return d, nil
}

// readyz answers 200 only when the process is not draining, the store is
// reachable and its schema is the one this binary expects.
func (d *daemon) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if d.draining.Load() {
		http.Error(w, "draining", http.StatusServiceUnavailable)
		return
	}
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

// handler is the daemon's HTTP handler: the routes, behind request ids,
// the access log and the HTTP metrics.
func (d *daemon) handler(h http.Handler) http.Handler {
	return requestlog.Middleware(d.logger.With("component", "http"), d.metrics.HTTPRequest, h)
}

// serve runs the HTTP server on ln (and the metrics listener when it has
// its own), the job runner and the local loops until ctx is cancelled.
// Then it drains: /readyz turns 503, HTTP stops accepting and lets
// in-flight requests finish, running jobs finish or release their leases,
// all within server.shutdownTimeout; it returns once every goroutine it
// started has stopped, so the caller may close the store.
func (d *daemon) serve(ctx context.Context, ln net.Listener) error {
	grace := time.Duration(d.cfg.Server.ShutdownTimeout)
	var wg sync.WaitGroup
	defer d.close()
	defer wg.Wait()
	// run ends with ctx, or when a listener fails.
	run, stop := context.WithCancel(ctx)
	defer stop()

	wg.Go(func() {
		if err := d.jobs.Run(run); err != nil {
			d.logger.Error("job runner", "err", err)
		}
	})
	for _, loop := range d.local {
		wg.Go(func() { loop(run) })
	}
	servers := []*http.Server{d.httpServer(ctx, d.handler(d.mux))}
	listeners := []net.Listener{ln}
	if !d.cfg.Metrics.Disabled && d.cfg.Metrics.Listen != "" {
		mln, err := net.Listen("tcp", d.cfg.Metrics.Listen)
		if err != nil {
			ln.Close()
			stop()
			return fmt.Errorf("metrics listen %s: %w", d.cfg.Metrics.Listen, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", d.metrics.Handler(d.cfg.Metrics.token))
		servers = append(servers, d.httpServer(ctx, mux))
		listeners = append(listeners, mln)
		d.logger.Info("metrics listening", "addr", mln.Addr().String())
	}
	errc := make(chan error, len(servers))
	for i, srv := range servers {
		wg.Go(func() { errc <- srv.Serve(listeners[i]) })
	}
	d.logger.Info("syncd listening", "addr", ln.Addr().String(), "url", d.cfg.listenBaseURL(), "storage", d.cfg.Storage.Driver)
	var failed error
	remaining := len(servers)
	select {
	case err := <-errc:
		remaining--
		failed = fmt.Errorf("http: %w", err)
		d.logger.Error("http server failed; stopping", "err", err)
	case <-ctx.Done():
	}
	d.draining.Store(true)
	stop() // the job runner starts its drain
	start := time.Now()
	d.logger.Info("shutting down", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	for _, srv := range servers {
		if err := srv.Shutdown(sctx); err != nil && failed == nil {
			failed = fmt.Errorf("shutdown: %w", err)
		}
	}
	for ; remaining > 0; remaining-- {
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) && failed == nil {
			failed = err
		}
	}
	wg.Wait()
	d.logger.Info("stopped", "took", time.Since(start).String())
	return failed
}

func (d *daemon) httpServer(ctx context.Context, h http.Handler) *http.Server {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: time.Duration(d.cfg.Server.ReadHeaderTimeout),
		ErrorLog:          slog.NewLogLogger(d.logger.Handler(), slog.LevelWarn),
		// Requests are not cancelled by the shutdown signal: they finish
		// (within the grace period) and commit.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	d.cfg.Server.applyLimits(srv)
	return srv
}

// close runs the closers, newest first.
func (d *daemon) close() {
	for i := len(d.closers) - 1; i >= 0; i-- {
		if err := d.closers[i](); err != nil {
			d.logger.Warn("close", "err", err)
		}
	}
	d.closers = nil
}

// every returns a loop running fn every interval until ctx ends: for
// d.local.
func every(interval time.Duration, fn func(ctx context.Context)) func(ctx context.Context) {
	return func(ctx context.Context) {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				fn(ctx)
			}
		}
	}
}
