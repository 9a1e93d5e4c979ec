package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/syncd-dev/syncd/internal/api"
	"github.com/syncd-dev/syncd/internal/jobs"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
)

// nhiEvaluate is the job kind of NHI evaluations: periodic, and enqueued
// after syncs.
const nhiEvaluate = "nhi.evaluate"

// nhiRunner runs NHI evaluations through the job runner: on the
// configured schedule and whenever a sync asks for one.
type nhiRunner struct {
	svc    *nhi.Service
	jobs   *jobs.Runner
	store  store.JobTx
	logger *slog.Logger
}

// EvaluateSoon asks for an evaluation after a sync. Requests within one
// 30-second window are one job (its key is the window), on whichever
// replica claims it. The sync runner calls d.nhi.EvaluateSoon() after
// each finished sync (or d.nhi.svc.Evaluate directly when it wants the
// summary).
func (r *nhiRunner) EvaluateSoon() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	key := "soon:" + jobs.PeriodKey(time.Now(), 30*time.Second)
	if _, _, err := jobs.Enqueue(ctx, r.store, jobs.Job{Kind: nhiEvaluate, Key: key, RunAt: time.Now()}); err != nil {
		r.logger.Warn("enqueue nhi evaluation", "err", err)
		return
	}
	r.jobs.Wake()
}

// startNHI wires the NHI service: the JSON API under /api/v1 and the
// evaluation job (its findings gauge is in the daemon's /metrics).
func (d *daemon) startNHI(ctx context.Context) error {
	svc := d.cfg.nhiService(d.store, d.logger)
	// The "disable" remediation action and owner write-back go to every
	// LDAP source with write credentials (ppolicy lock / ACCOUNTDISABLE),
	// through the process's one writer per source.
	if len(d.dirs) > 0 {
		svc.Disablers, svc.OwnerWriters = d.dirs.nhiDisablers(), d.dirs.ownerWriters()
	}
	d.nhi = &nhiRunner{svc: svc, jobs: d.jobs, store: d.store, logger: d.logger.With("component", "nhi")}
	d.apiAuth = api.Chain{api.TokenAuthenticator{Store: d.store}}
	sec := d.security()
	srv := &api.Server{
		Store: d.store, NHI: svc, Access: d.access, Review: d.review, Logger: d.logger.With("component", "api"),
		Events: sec.events, Limiter: sec.limiter,
		// startWeb adds the OIDC session to the chain when the web UI is on;
		// the chain is read per request, through this closure.
		Auth: api.AuthenticatorFunc(func(r *http.Request) (api.Principal, error) { return d.apiAuth.Authenticate(r) }),
	}
	if d.access != nil {
		srv.Catalog = d.catalogEditor()
	}
	if ev := d.campaignEvidence(); ev != nil {
		srv.Evidence = ev
	}
	// Browsers call the API with a session cookie: refuse cross-origin
	// state changes outright (Sec-Fetch-Site / Origin), on top of the
	// session's CSRF token. Token clients send neither header and pass.
	apiMux := http.NewServeMux()
	srv.Register(apiMux)
	d.routes = append(d.routes, srv.Routes()...)
	d.mux.Handle("/api/v1/", http.NewCrossOriginProtection().Handler(apiMux))
	// The first period's job runs at start-up.
	d.jobs.Periodic(nhiEvaluate, d.cfg.nhiSchedule(), func(ctx context.Context, run *jobs.Run) error {
		_, err := d.nhi.svc.Evaluate(ctx)
		return err
	})
	return nil
}
