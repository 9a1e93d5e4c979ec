package demoidp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// User is a demo account. ID is the OIDC subject.
type User struct {
	ID             string
	Username       string
	Password       string
	Name           string
	Email          string
	EmployeeNumber string
	Groups         []string
	// EmailUnverified makes the provider say email_verified: false.
	EmailUnverified bool
}

// Client is the one relying party the provider serves: a confidential web
// client with exactly one redirect URI.
type Client struct {
	ID          string
	Secret      string
	RedirectURI string
}

// Config is what a Server needs.
type Config struct {
	// Addr is the loopback address to listen on ("127.0.0.1:0" picks a
	// port). Anything that is not loopback is refused.
	Addr   string
	Users  []User
	Client Client
	Logger *slog.Logger
	// Now is the clock for token lifetimes; time.Now when nil.
	Now func() time.Time
}

// Server is a running demo provider.
type Server struct {
	// Issuer is the provider's URL: http://<loopback addr>.
	Issuer string
	srv    *http.Server
	st     *storage
	ln     net.Listener
	done   chan error
}

// ErrNotLoopback is returned for any address that is not loopback.
var ErrNotLoopback = errors.New("demoidp: refusing to listen on a non-loopback address")

// CheckLoopback reports an error unless addr is host:port with a loopback
// IP literal or "localhost".
func CheckLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("demoidp: address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%w: %q", ErrNotLoopback, addr)
	}
	return nil
}

// Start listens on cfg.Addr and serves the provider until Close.
func Start(cfg Config) (*Server, error) {
	if err := CheckLoopback(cfg.Addr); err != nil {
		return nil, err
	}
	if cfg.Client.ID == "" || cfg.Client.Secret == "" || cfg.Client.RedirectURI == "" {
		return nil, errors.New("demoidp: client id, secret and redirect URI are required")
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("demoidp: listen: %w", err)
	}
	// The resolved address must be loopback too ("localhost" could resolve
	// elsewhere on a misconfigured host).
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("%w: %s", ErrNotLoopback, ln.Addr())
	}
	issuer := "http://" + ln.Addr().String()
	h, st, err := newHandler(issuer, cfg, now, logger)
	if err != nil {
		ln.Close()
		return nil, err
	}
	s := &Server{
		Issuer: issuer,
		srv:    &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second},
		ln:     ln,
		st:     st,
		done:   make(chan error, 1),
	}
	go func() { s.done <- s.srv.Serve(ln) }()
	logger.Info("demo OpenID provider listening", "issuer", issuer)
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if serr := <-s.done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

func newHandler(issuer string, cfg Config, now func() time.Time, logger *slog.Logger) (http.Handler, *storage, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, fmt.Errorf("demoidp: signing key: %w", err)
	}
	st := newStorage(cfg.Users, cfg.Client, now, signingKey{id: rand.Text(), alg: jose.RS256, key: key})
	var cryptoKey [32]byte
	if _, err := rand.Read(cryptoKey[:]); err != nil {
		return nil, nil, fmt.Errorf("demoidp: crypto key: %w", err)
	}
	provider, err := op.NewProvider(&op.Config{
		CryptoKey:      cryptoKey,
		CodeMethodS256: true,
		AuthMethodPost: true,
	}, st, op.StaticIssuer(issuer), op.WithAllowInsecure(), op.WithLogger(logger))
	if err != nil {
		return nil, nil, fmt.Errorf("demoidp: provider: %w", err)
	}
	mux := http.NewServeMux()
	redirect, err := url.Parse(cfg.Client.RedirectURI)
	if err != nil {
		return nil, nil, fmt.Errorf("demoidp: redirect URI: %w", err)
	}
	lg := &loginForm{store: st, callback: op.AuthCallbackURL(provider),
		csp: "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' " + redirect.Scheme + "://" + redirect.Host + "; frame-ancestors 'none'"}
	intercept := op.NewIssuerInterceptor(provider.IssuerFromRequest)
	mux.HandleFunc("GET /login", lg.show)
	mux.HandleFunc("POST /login", intercept.HandlerFunc(lg.check))
	mux.Handle("/", provider)
	return mux, st, nil
}
