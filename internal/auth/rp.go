package auth

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/syncd-dev/syncd/internal/store"
)

// Failure renders an error page; the web UI provides it so auth needs no
// templates.
type Failure func(w http.ResponseWriter, r *http.Request, status int, title, detail string)

// Auth is the relying party with its sessions.
type Auth struct {
	cfg      Config
	sessions *Sessions
	store    store.Store
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	client   *http.Client
	now      func() time.Time
	logger   *slog.Logger
	fail     Failure
	callback string // path of RedirectURL
	loginKey []byte // seals the pre-login cookie
	events   *Recorder
	limiter  *Limiter
	// endSession is the provider's end_session_endpoint (RP-Initiated
	// Logout 1.0), "" when it has none.
	endSession string
}

// New discovers the issuer (OIDC Discovery §4) and returns the relying
// party. It fails when the issuer cannot be reached or its discovery
// document names another issuer.
func New(ctx context.Context, cfg Config, st store.Store, now func() time.Time, logger *slog.Logger, fail Failure) (*Auth, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("auth: config: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	client := cfg.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, client), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("auth: discover %s: %w", cfg.Issuer, err)
	}
	scopes := []string{oidc.ScopeOpenID}
	for _, s := range cfg.Scopes {
		if !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	u, _ := url.Parse(cfg.RedirectURL)
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = provider.Claims(&meta)
	perMinute := cfg.FailuresPerMinute
	if perMinute <= 0 {
		perMinute = 20
	}
	events, limiter := cfg.Events, cfg.Limiter
	if events == nil {
		events = NewRecorder(st, now, logger)
	}
	if limiter == nil {
		limiter = NewLimiter(perMinute, now)
	}
	return &Auth{
		cfg:      cfg,
		sessions: &Sessions{Store: st, Now: now, Idle: cfg.IdleTimeout, Absolute: cfg.AbsoluteTimeout, Secure: cfg.CookieSecure, Persistent: cfg.PersistentCookie},
		store:    st,
		oauth: oauth2.Config{
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: provider.Endpoint(), Scopes: scopes,
		},
		// The verifier checks signature (keys from the provider's jwks_uri),
		// issuer, audience = our client id, and expiry (OIDC Core §3.1.3.7).
		verifier: provider.VerifierContext(oidc.ClientContext(context.WithoutCancel(ctx), client),
			&oidc.Config{ClientID: cfg.ClientID, Now: now}),
		client:   client,
		now:      now,
		logger:   logger,
		fail:     fail,
		callback: u.Path,
		loginKey: sealKey(cfg.ClientSecret),
		events:   events,
		limiter:  limiter,

		endSession: meta.EndSession,
	}, nil
}

// EndSessionOrigin is the origin of the provider's end_session_endpoint,
// "" when it has none: the sign-out form is redirected there.
func (a *Auth) EndSessionOrigin() string {
	u, err := url.Parse(a.endSession)
	if a.endSession == "" || err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// Events returns the security event recorder, for the JSON API.
func (a *Auth) Events() *Recorder { return a.events }

// Limiter returns the failed-authentication limiter, for the JSON API.
func (a *Auth) Limiter() *Limiter { return a.limiter }

// Sessions returns the session store (for sweeping).
func (a *Auth) Sessions() *Sessions { return a.sessions }

// CallbackPath is the path the IdP redirects back to.
func (a *Auth) CallbackPath() string { return a.callback }

// Mux is where routes are registered (an *http.ServeMux, or one that
// also records its patterns).
type Mux interface {
	Handle(pattern string, h http.Handler)
	HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request))
}

// Register adds the sign-in routes to mux: GET /auth/login, GET on the
// callback path, POST /auth/logout (CSRF-checked), and POST
// /auth/backchannel-logout (OIDC Back-Channel Logout 1.0).
func (a *Auth) Register(mux Mux) {
	mux.HandleFunc("GET /auth/login", a.login)
	mux.HandleFunc("GET "+a.callback, a.handleCallback)
	mux.Handle("POST /auth/logout", a.RequireCSRF(http.HandlerFunc(a.logout)))
	mux.HandleFunc("POST /auth/backchannel-logout", a.backchannelLogout)
}

func (a *Auth) ctx(ctx context.Context) context.Context { return oidc.ClientContext(ctx, a.client) }
