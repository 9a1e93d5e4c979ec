package main

import (
	"net/http"
	"time"
)

// validateHTTPLimits refuses zero or negative server limits: a zero
// timeout would mean none, which lets a client trickling its body or an
// idle keep-alive connection hold a connection forever.
func validateHTTPLimits(c ServerConfig, add func(path, format string, args ...any)) {
	for _, f := range []struct {
		path string
		d    Duration
	}{
		{"server.readHeaderTimeout", c.ReadHeaderTimeout},
		{"server.readTimeout", c.ReadTimeout},
		{"server.writeTimeout", c.WriteTimeout},
		{"server.idleTimeout", c.IdleTimeout},
	} {
		if f.d <= 0 {
			add(f.path, "must be a positive duration, got %s", time.Duration(f.d))
		}
	}
	if c.MaxHeaderBytes <= 0 {
		add("server.maxHeaderBytes", "must be positive, got %d", c.MaxHeaderBytes)
	}
	if c.ReadHeaderTimeout > 0 && c.ReadTimeout > 0 && c.ReadHeaderTimeout > c.ReadTimeout {
		add("server.readHeaderTimeout", "must not exceed server.readTimeout (%s)", time.Duration(c.ReadTimeout))
	}
}

// applyLimits sets the configured timeouts and header limit on srv.
func (c ServerConfig) applyLimits(srv *http.Server) {
	srv.ReadHeaderTimeout = time.Duration(c.ReadHeaderTimeout)
	srv.ReadTimeout = time.Duration(c.ReadTimeout)
	srv.WriteTimeout = time.Duration(c.WriteTimeout)
	srv.IdleTimeout = time.Duration(c.IdleTimeout)
	srv.MaxHeaderBytes = c.MaxHeaderBytes
}
