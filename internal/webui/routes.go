package webui

import (
	"net/http"
	"slices"
)

// routeRecorder is a ServeMux that remembers its patterns, so tests can
// enumerate every route of the web UI from the router itself.
type routeRecorder struct {
	*http.ServeMux
	patterns []string
}

func (m *routeRecorder) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

func (m *routeRecorder) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.HandleFunc(pattern, h)
}

// Routes returns every route pattern Handler registered, sign-in routes
// included (nil before Handler).
func (s *Server) Routes() []string { return slices.Clone(s.routes) }
