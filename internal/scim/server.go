package scim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	lib "github.com/elimity-com/scim"
	scimerr "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/optional"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/token"
)

// Config tunes the server. The zero value of each field means its default.
type Config struct {
	// BaseURL is the absolute URL the server is reached at, up to and
	// including /scim/v2 (meta.location and Location are built from it).
	BaseURL string
	// MaxBodyBytes limits request bodies (default 1 MiB).
	MaxBodyBytes int64
	// MaxResults caps count on list requests (default 200).
	MaxResults int
	// RatePerSecond and Burst limit requests per token (defaults 200/s and
	// 400); a request over the limit gets 429 with Retry-After.
	RatePerSecond float64
	Burst         int
	// NonHuman says which pushed users are non-human identities.
	NonHuman NonHumanRule
	// Observe, when set, is told about every request once answered: the
	// token's source ("" when unauthenticated), method and status (metrics).
	Observe func(source, method string, code int)
	// TokenCacheTTL is how long a verified bearer token is trusted without
	// reading it again (default token.DefaultCacheTTL, 5 s): a revoked
	// token stops working within this time.
	TokenCacheTTL time.Duration
}

// NonHumanRule classifies a pushed user as a service account (stored as an
// NHI, never a person) when any configured test matches.
type NonHumanRule struct {
	UserTypes        []string // userType values, compared case-insensitively (e.g. "Service")
	UserNamePrefixes []string // userName prefixes, case-insensitive (e.g. "svc-")
	// Attribute is an attribute path whose value true (boolean or string)
	// marks a non-human user, e.g.
	// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter"
	// would be unusual; a custom extension attribute is typical.
	Attribute string
}

func (c Config) withDefaults() Config {
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 1 << 20
	}
	if c.MaxResults <= 0 {
		c.MaxResults = 200
	}
	if c.RatePerSecond <= 0 {
		c.RatePerSecond = 200
	}
	if c.Burst <= 0 {
		c.Burst = 2 * int(c.RatePerSecond)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	return c
}

// Server is the SCIM endpoint; mount it with http.StripPrefix so paths
// start at /v2 (e.g. mux.Handle("/scim/v2/", http.StripPrefix("/scim", s))).
type Server struct {
	Store    store.Store
	Identity *identity.Service
	// NHI is the one writer of NHIs: pushed non-human users are created,
	// changed and retired through it. nil: a service with the default
	// rules.
	NHI    *nhi.Service
	Logger *slog.Logger
	Now    func() time.Time

	cfg     Config
	lib     lib.Server
	users   schemaIndex
	groups  schemaIndex
	limiter *limiter
	tokens  *token.Cache
}

// New builds a server.
func New(cfg Config, st store.Store, id *identity.Service, logger *slog.Logger, now func() time.Time) (*Server, error) {
	if st == nil || id == nil {
		return nil, errors.New("scim: new: store and identity service are required")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	cfg = cfg.withDefaults()
	s := &Server{Store: st, Identity: id, Logger: logger, Now: now, cfg: cfg}
	s.users = newSchemaIndex(userSchema(), schemaEnterprise(), syncdSchema())
	s.groups = newSchemaIndex(groupSchema())
	s.limiter = newLimiter(cfg.RatePerSecond, cfg.Burst, now)
	s.tokens = token.NewCache(cfg.TokenCacheTTL)
	ls, err := lib.NewServer(&lib.ServerArgs{
		ServiceProviderConfig: &lib.ServiceProviderConfig{
			DocumentationURI: optional.NewString("https://github.com/syncd-dev/syncd/tree/main/docs/idp"),
			AuthenticationSchemes: []lib.AuthenticationScheme{{
				Type: lib.AuthenticationTypeOauthBearerToken, Name: "Bearer token",
				Description: "A token created with 'syncd token create --scope scim'.", Primary: true,
			}},
			MaxResults:       cfg.MaxResults,
			SupportFiltering: true,
			SupportPatch:     true,
		},
		ResourceTypes: []lib.ResourceType{
			{
				ID: optional.NewString("User"), Name: "User", Endpoint: "/Users",
				Description: optional.NewString("User Account"),
				Schema:      userSchema(),
				SchemaExtensions: []lib.SchemaExtension{
					{Schema: schemaEnterprise()},
					{Schema: syncdSchema()},
				},
				Handler: &userHandler{s: s},
			},
			{
				ID: optional.NewString("Group"), Name: "Group", Endpoint: "/Groups",
				Description: optional.NewString("Group"),
				Schema:      groupSchema(),
				Handler:     &groupHandler{s: s},
			},
		},
	}, lib.WithBaseURL(cfg.BaseURL), lib.WithLogger(libLogger{logger}))
	if err != nil {
		return nil, fmt.Errorf("scim: new: %w", err)
	}
	s.lib = ls
	return s, nil
}

// request is what the middleware learned about a request, for handlers.
type request struct {
	id     string
	token  store.Token
	source string
	actor  string
	// filter is a GET /Users filter read by takeUserFilter (nil: none, or
	// left to the library).
	filter *store.Filter
	// failed is set by a handler that hit a store failure, so the response
	// carries a generic 500/503 instead of whatever the library makes of it.
	failed int
}

type ctxKey struct{}

func reqOf(r *http.Request) *request {
	rq, _ := r.Context().Value(ctxKey{}).(*request)
	if rq == nil {
		return &request{} // cannot happen behind ServeHTTP; never nil to callers
	}
	return rq
}

// ServeHTTP authenticates, limits and rewrites the request, lets the
// library route it, and fixes up its response.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rq := &request{id: requestIDOf(r)}
	w.Header().Set("X-Request-Id", rq.id)
	if s.cfg.Observe != nil {
		cw := &codeWriter{ResponseWriter: w, code: http.StatusOK}
		w = cw
		defer func() { s.cfg.Observe(rq.source, r.Method, cw.code) }()
	}
	tok, ok := s.authenticate(w, r, rq)
	if !ok {
		return
	}
	rq.token, rq.source, rq.actor = tok, tok.Source, "token:"+tok.Name
	if rq.source == "" {
		rq.source = tok.Name
	}
	if wait, ok := s.limiter.allow(tok.ID); !ok {
		secs := int(wait/time.Second) + 1
		w.Header().Set("Retry-After", fmt.Sprint(secs))
		writeError(w, http.StatusTooManyRequests, "", fmt.Sprintf("rate limit of %.0f requests/s for this token exceeded; retry after %d s", s.cfg.RatePerSecond, secs))
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, rq))
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	}
	if err := checkURL(r); err != nil {
		var se scimerr.ScimError
		errors.As(err, &se)
		writeError(w, se.Status, string(se.ScimType), se.Detail)
		return
	}
	err := s.rewriteRequest(r)
	if err == nil {
		err = s.takeUserFilter(r, rq)
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "", fmt.Sprintf("request body exceeds %d bytes", s.cfg.MaxBodyBytes))
			return
		}
		var se scimerr.ScimError
		if errors.As(err, &se) {
			writeError(w, se.Status, string(se.ScimType), se.Detail)
			return
		}
		writeError(w, http.StatusBadRequest, "invalidSyntax", err.Error())
		return
	}
	if s.serveUserList(w, r, rq) {
		return
	}
	buf := &bufferedWriter{header: http.Header{}}
	s.lib.ServeHTTP(buf, r)
	s.finish(w, r, rq, buf)
}

func requestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// authenticate checks the bearer token (hash compared in constant time by
// package token, the verification trusted for TokenCacheTTL) and answers
// 401 itself when it is missing or wrong.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, rq *request) (store.Token, bool) {
	h := r.Header.Get("Authorization")
	scheme, secret, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="syncd-scim"`)
		writeError(w, http.StatusUnauthorized, "", "missing bearer token")
		return store.Token{}, false
	}
	tok, err := s.tokens.AuthenticateAt(r.Context(), s.Store, strings.TrimSpace(secret), store.ScopeSCIM, s.Now())
	switch {
	case errors.Is(err, token.ErrInvalid):
		w.Header().Set("WWW-Authenticate", `Bearer realm="syncd-scim", error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "", "invalid or revoked bearer token")
		return store.Token{}, false
	case err != nil:
		s.Logger.Error("scim: token lookup failed", "request_id", rq.id, "err", err)
		writeError(w, statusForStore(err), "", "internal error; request id "+rq.id)
		return store.Token{}, false
	}
	return tok, true
}

// statusForStore is 503 when the database is unreachable, 500 otherwise.
func statusForStore(err error) int {
	if errors.Is(err, store.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// libLogger adapts slog to the library's logger.
type libLogger struct{ l *slog.Logger }

func (l libLogger) Error(args ...interface{}) {
	l.l.Error("scim library", "detail", fmt.Sprint(args...))
}
