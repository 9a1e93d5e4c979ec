package api

import "slices"

// Routes returns every route pattern Register added (nil before
// Register), so tests can enumerate the API from the router itself.
func (s *Server) Routes() []string { return slices.Clone(s.patterns) }
