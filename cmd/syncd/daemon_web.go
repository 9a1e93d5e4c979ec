package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/syncd-dev/syncd/internal/api"
	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/webui"
)

// startWeb mounts the web UI with OIDC sign-in on "/" when web.oidc is
// configured. The issuer must be reachable now: discovery happens once at
// start-up.
// Its pages show the NHI service's findings, and its session is a second
// way (after API tokens) to call /api/v1.
func (d *daemon) startWeb(ctx context.Context) error {
	if !d.cfg.Web.Enabled() {
		d.logger.Info("web UI off (web.oidc.issuer not set)")
		return nil
	}
	var sources []string
	for _, s := range d.cfg.Sources {
		sources = append(sources, s.Name)
	}
	server := webui.Server{Store: d.store, Sources: sources, Logger: d.logger.With("component", "webui")}
	if d.nhi != nil {
		server.Findings = d.nhi.svc
	}
	server.Access = d.access
	server.Reviews = d.review
	if ev := d.campaignEvidence(); ev != nil {
		server.Evidence = ev
	}
	ui, err := webui.New(server)
	if err != nil {
		return err
	}
	a, err := auth.New(ctx, d.cfg.Web.authConfig(), d.store, nil, d.logger.With("component", "auth"), ui.Fail)
	if err != nil {
		return fmt.Errorf("web sign-in: %w", err)
	}
	ui.Auth = a
	d.apiAuth = append(d.apiAuth, sessionAuthenticator{a})
	d.mux.Handle("/", ui.Handler())
	go d.sweepSessions(ctx, a.Sessions())
	d.logger.Info("web UI on", "issuer", d.cfg.Web.OIDC.Issuer, "redirect", d.cfg.Web.OIDC.RedirectURL)
	return nil
}

// sessionSweep is how often expired web sessions are deleted.
const sessionSweep = 10 * time.Minute

// sweepSessions deletes expired sessions until ctx ends; with several
// replicas each sweeps, which is harmless (a delete of what is gone).
func (d *daemon) sweepSessions(ctx context.Context, s *auth.Sessions) {
	t := time.NewTicker(sessionSweep)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := s.Sweep(ctx); err != nil {
				d.logger.Warn("sweep web sessions", "err", err)
			} else if n > 0 {
				d.logger.Debug("swept web sessions", "count", n)
			}
		}
	}
}

// sessionAuthenticator lets a signed-in browser call /api/v1: the session
// cookie identifies the person, and state-changing calls must carry the
// session's CSRF token in X-CSRF-Token (SessionPrincipal checks it).
type sessionAuthenticator struct{ a *auth.Auth }

func (s sessionAuthenticator) Authenticate(r *http.Request) (api.Principal, error) {
	p, err := s.a.SessionPrincipal(r)
	switch {
	case errors.Is(err, auth.ErrNoSession):
		return api.Principal{}, api.ErrNoCredentials
	case errors.Is(err, auth.ErrCSRF):
		return api.Principal{}, fmt.Errorf("%w: %w", api.ErrRejected, err)
	case err != nil:
		return api.Principal{}, err
	}
	roles := make([]string, len(p.Roles))
	for i, r := range p.Roles {
		roles[i] = string(r)
	}
	return api.Principal{PersonID: p.PersonID, Roles: roles, Issuer: p.Issuer, Subject: p.Subject}, nil
}
