package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/syncd-dev/syncd/internal/api"
	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/jobs"
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
	server := webui.Server{Store: d.store, NHIWrites: d.store, Sources: sources, Logger: d.logger.With("component", "webui")}
	if d.nhi != nil {
		server.Findings = d.nhi.svc
	}
	server.Access = d.access
	server.Reviews = d.review
	server.DemoMail = d.demoMail()
	if ev := d.campaignEvidence(); ev != nil {
		server.Evidence = ev
	}
	ui, err := webui.New(server)
	if err != nil {
		return err
	}
	acfg := d.cfg.Web.authConfig()
	acfg.TrustUnverifiedEmail = d.cfg.Security.TrustUnverifiedEmail
	acfg.FailuresPerMinute = d.cfg.Security.FailuresPerMinute
	acfg.Events, acfg.Limiter = d.security().events, d.security().limiter
	a, err := auth.New(ctx, acfg, d.store, nil, d.logger.With("component", "auth"), ui.Fail)
	if err != nil {
		return fmt.Errorf("web sign-in: %w", err)
	}
	ui.Auth = a
	d.apiAuth = append(d.apiAuth, sessionAuthenticator{a})
	// Owned tokens keep a role only while their owner may hold it.
	for i, x := range d.apiAuth {
		if ta, ok := x.(api.TokenAuthenticator); ok {
			ta.Roles = tokenRoles(a)
			d.apiAuth[i] = ta
		}
	}
	d.mux.Handle("/", ui.Handler())
	d.routes = append(d.routes, ui.Routes()...)
	sessions := a.Sessions()
	d.jobs.Periodic("web.sessions.sweep", sessionSweep, func(ctx context.Context, run *jobs.Run) error {
		n, err := sessions.Sweep(ctx)
		if n > 0 {
			run.Logger.Debug("swept web sessions", "count", n)
		}
		return err
	})
	d.logger.Info("web UI on", "issuer", d.cfg.Web.OIDC.Issuer, "redirect", d.cfg.Web.OIDC.RedirectURL)
	return nil
}

// sessionSweep is how often expired web sessions are deleted.
const sessionSweep = 10 * time.Minute

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

// tokenRoles adapts auth's TokenRoles to the API's role names.
func tokenRoles(a *auth.Auth) func(ctx context.Context, ownerID string, scoped []string) ([]string, error) {
	return func(ctx context.Context, ownerID string, scoped []string) ([]string, error) {
		want := make([]auth.Role, len(scoped))
		for i, r := range scoped {
			want[i] = auth.Role(r)
		}
		got, err := a.TokenRoles(ctx, ownerID, want)
		out := make([]string, len(got))
		for i, r := range got {
			out[i] = string(r)
		}
		return out, err
	}
}
