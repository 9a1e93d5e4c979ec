package requestlog_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/requestlog"
)

func TestRequestIDHeaderLogAndRoute(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(requestlog.Handler(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	mux := http.NewServeMux()
	var seen string
	mux.HandleFunc("GET /things/{id}", func(w http.ResponseWriter, r *http.Request) {
		seen = requestlog.ID(r.Context())
		logger.InfoContext(r.Context(), "handler says")
		w.WriteHeader(http.StatusTeapot)
	})
	var route string
	var code int
	h := requestlog.Middleware(logger, func(rt, _ string, c int, _ time.Duration) { route, code = rt, c }, mux)
	for _, tc := range []struct{ name, in, want string }{
		{"kept", "abc-123.X_y", "abc-123.X_y"},
		{"made up when absent", "", ""},
		{"made up when unsafe", "a b\nc", ""},
		{"made up when too long", strings.Repeat("a", 65), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			buf.Reset()
			req := httptest.NewRequest(http.MethodGet, "/things/7", nil)
			if tc.in != "" {
				req.Header.Set("X-Request-Id", tc.in)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			got := rec.Header().Get("X-Request-Id")
			if tc.want != "" && got != tc.want || got == "" || got == tc.in && tc.want == "" || seen != got {
				t.Fatalf("id %q (handler saw %q), sent %q", got, seen, tc.in)
			}
			if route != "GET /things/{id}" || code != http.StatusTeapot {
				t.Fatalf("observed route %q code %d", route, code)
			}
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			if len(lines) != 2 {
				t.Fatalf("log lines: %q", lines)
			}
			for _, l := range lines {
				var m map[string]any
				if err := json.Unmarshal([]byte(l), &m); err != nil || m["request_id"] != got {
					t.Fatalf("log line without the request id: %s", l)
				}
			}
		})
	}
}
