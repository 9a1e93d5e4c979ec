package main

import "github.com/syncd-dev/syncd/internal/auth"

// securityParts are shared by the web sign-in and the JSON API: one
// recorder (so the per-client rate of security events holds across both)
// and one failed-authentication limiter.
type securityParts struct {
	events  *auth.Recorder
	limiter *auth.Limiter
}

func (d *daemon) security() *securityParts {
	if d.sec == nil {
		d.sec = &securityParts{
			events:  auth.NewRecorder(d.store, nil, d.logger.With("component", "security")),
			limiter: auth.NewLimiter(d.cfg.Security.FailuresPerMinute, nil),
		}
	}
	return d.sec
}
