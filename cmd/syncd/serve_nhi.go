package main

import (
	"context"
	"net/http"
	"time"

	"github.com/syncd-dev/syncd/internal/api"
	"github.com/syncd-dev/syncd/internal/ldap"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
)

// nhiRunner runs NHI evaluations in serve, one at a time: on the
// configured schedule and whenever a sync asks for one.
type nhiRunner struct {
	svc     *nhi.Service
	trigger chan struct{}
}

// EvaluateSoon asks for an evaluation after a sync; calls while one is
// pending coalesce, and it never blocks. The sync runner calls
// d.nhi.EvaluateSoon() after each finished sync (or d.nhi.svc.Evaluate
// directly when it wants the summary).
func (r *nhiRunner) EvaluateSoon() {
	select {
	case r.trigger <- struct{}{}:
	default:
	}
}

// startNHI wires the NHI service: the JSON API under /api/v1, the
// Prometheus gauge at /metrics, and the evaluation loop.
func (d *daemon) startNHI(ctx context.Context) error {
	svc := d.cfg.nhiService(d.store, d.logger)
	// The "disable" remediation action writes back to every LDAP source
	// with write credentials (ppolicy lock / ACCOUNTDISABLE).
	for _, src := range d.cfg.Sources {
		w, err := src.groupWriter()
		if err != nil {
			return err
		}
		if w == nil {
			continue
		}
		if svc.Disablers == nil {
			svc.Disablers = map[string]nhi.Disabler{}
		}
		svc.Disablers[src.Name] = ldapDisabler{w}
		if svc.OwnerWriters == nil {
			svc.OwnerWriters = map[string]nhi.OwnerWriter{}
		}
		svc.OwnerWriters[src.Name] = ldapDisabler{w}
		go func() {
			<-ctx.Done()
			w.Close()
		}()
	}
	d.nhi = &nhiRunner{svc: svc, trigger: make(chan struct{}, 1)}
	d.apiAuth = api.Chain{api.TokenAuthenticator{Store: d.store}}
	srv := &api.Server{
		Store: d.store, NHI: svc, Access: d.access, Logger: d.logger.With("component", "api"),
		// startWeb adds the OIDC session to the chain when the web UI is on;
		// the chain is read per request, through this closure.
		Auth: api.AuthenticatorFunc(func(r *http.Request) (api.Principal, error) { return d.apiAuth.Authenticate(r) }),
	}
	if d.access != nil {
		srv.Catalog = d.catalogEditor()
	}
	// Browsers call the API with a session cookie: refuse cross-origin
	// state changes outright (Sec-Fetch-Site / Origin), on top of the
	// session's CSRF token. Token clients send neither header and pass.
	apiMux := http.NewServeMux()
	srv.Register(apiMux)
	d.mux.Handle("/api/v1/", http.NewCrossOriginProtection().Handler(apiMux))
	d.mux.Handle("GET /metrics", nhi.MetricsHandler(d.store, d.logger))
	go d.nhiLoop(ctx, d.cfg.nhiSchedule())
	return nil
}

func (d *daemon) nhiLoop(ctx context.Context, every time.Duration) {
	d.nhi.EvaluateSoon() // once at start-up
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-d.nhi.trigger:
		}
		// One replica evaluates at a time; the others skip this round.
		_, err := d.exclusive(ctx, "nhi:evaluate", 10*time.Minute, func() error {
			_, err := d.nhi.svc.Evaluate(ctx)
			return err
		})
		if err != nil && ctx.Err() == nil {
			d.logger.Error("nhi evaluation failed", "err", err)
		}
	}
}

// ldapDisabler disables an NHI pulled from LDAP in its directory, found by
// its stable id (the NHI's external id).
type ldapDisabler struct{ w *ldap.GroupWriter }

func (l ldapDisabler) DisableNHI(ctx context.Context, n store.NHI) error {
	return l.w.DisableAccount(ctx, n.ExternalID)
}

// WriteOwner writes a re-ownership back to the account's owner attribute.
func (l ldapDisabler) WriteOwner(ctx context.Context, n store.NHI, ownerDN string) error {
	return l.w.SetAccountOwner(ctx, n.ExternalID, ownerDN)
}
