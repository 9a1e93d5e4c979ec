package requestlog

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"
)

// Header is the request id header, read from clients and proxies and
// always set on responses.
const Header = "X-Request-Id"

type ctxKey struct{}

// ID returns the request id carried by ctx, "" when none.
func ID(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// WithID returns ctx carrying id.
func WithID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// Observe is told about every finished request: the ServeMux pattern that
// matched it ("" when none did), its method, status and duration.
type Observe func(route, method string, code int, took time.Duration)

// Middleware sets the request id (request and response header, context),
// serves next, logs the request at debug level (warn for 5xx) and calls
// observe when set.
func Middleware(logger *slog.Logger, observe Observe, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(Header)
		if !valid(id) {
			id = newID()
		}
		r.Header.Set(Header, id)
		w.Header().Set(Header, id)
		r = r.WithContext(WithID(r.Context(), id))
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(sw, r)
		took := time.Since(start)
		// ServeMux writes the matched pattern into the request it was
		// given (the innermost mux wins, which is the finer route).
		route := r.Pattern
		level := slog.LevelDebug
		if sw.code >= 500 {
			level = slog.LevelWarn
		}
		// Asked first: the line's arguments cost allocations on every
		// request even when the level (debug, by default off) drops it.
		if logger.Enabled(r.Context(), level) {
			logger.Log(r.Context(), level, "http request", "method", r.Method, "route", route, "path", r.URL.Path,
				"status", sw.code, "duration_ms", took.Milliseconds(), "bytes", sw.bytes)
		}
		if observe != nil {
			observe(route, r.Method, sw.code, took)
		}
	})
}

// valid accepts ids of 1 to 64 characters of [A-Za-z0-9._-], so a client
// cannot inject anything into logs or headers through it.
func valid(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

type statusWriter struct {
	http.ResponseWriter
	code        int
	bytes       int
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.code, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wroteHeader = true
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer
// (flushing, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Handler wraps a slog handler so that records logged with a request's
// context carry its request_id.
func Handler(h slog.Handler) slog.Handler { return idHandler{h} }

type idHandler struct{ slog.Handler }

func (h idHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := ID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h idHandler) WithAttrs(as []slog.Attr) slog.Handler { return idHandler{h.Handler.WithAttrs(as)} }
func (h idHandler) WithGroup(name string) slog.Handler    { return idHandler{h.Handler.WithGroup(name)} }

// Ensure gives r a request id (response header and context) unless an
// outer Middleware already did: for handlers served on their own, as the
// API and web UI are in tests.
func Ensure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ID(r.Context()) != "" {
			next.ServeHTTP(w, r)
			return
		}
		id := newID()
		r.Header.Set(Header, id)
		w.Header().Set(Header, id)
		next.ServeHTTP(w, r.WithContext(WithID(r.Context(), id)))
	})
}
