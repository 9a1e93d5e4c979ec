package ldap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/syncd-dev/syncd/internal/source"
)

// dial connects and binds as the configured account, for the searches of
// a pull. Failures are wrapped in a source error class: a wrong password
// is not a TLS problem.
func (s *Source) dial(ctx context.Context) (*wireConn, error) { return dialWire(ctx, s.cfg) }

// dialConfig connects to c.URL with c's TLS options and timeouts and binds
// as c.BindDN; the group writer shares it with its own bind.
func dialConfig(ctx context.Context, c Config) (*goldap.Conn, error) {
	tlsCfg, err := tlsConfig(c)
	if err != nil {
		return nil, err
	}
	d := &net.Dialer{Timeout: c.DialTimeout}
	conn, err := goldap.DialURL(c.URL, goldap.DialWithDialer(d), goldap.DialWithTLSConfig(tlsCfg))
	if err != nil {
		return nil, classify(c.Name, "connect to "+c.URL, err)
	}
	conn.SetTimeout(c.Timeout)
	if c.StartTLS {
		if err := conn.StartTLS(tlsCfg); err != nil {
			conn.Close()
			return nil, classify(c.Name, "StartTLS", err)
		}
	}
	if err := conn.Bind(c.BindDN, c.BindPassword); err != nil {
		conn.Close()
		return nil, classify(c.Name, fmt.Sprintf("bind as %q", c.BindDN), err)
	}
	if ctx.Err() != nil {
		conn.Close()
		return nil, ctx.Err()
	}
	return conn, nil
}

// tlsConfig is the TLS configuration c asks for.
func tlsConfig(c Config) (*tls.Config, error) {
	tlsCfg := &tls.Config{InsecureSkipVerify: c.InsecureSkipVerify} //nolint:gosec // opt-in, documented as tests only
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ldap: %s: read caFile: %w: %w", c.Name, source.ErrTLS, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ldap: %s: caFile %s: %w: no PEM certificates in it", c.Name, c.CAFile, source.ErrTLS)
		}
		tlsCfg.RootCAs = pool
	}
	if host := hostOf(c.URL); host != "" {
		tlsCfg.ServerName = host
	}
	return tlsCfg, nil
}

func hostOf(url string) string {
	rest := url[strings.Index(url, "://")+3:]
	rest, _, _ = strings.Cut(rest, "/")
	if h, _, err := net.SplitHostPort(rest); err == nil {
		return h
	}
	return rest
}

// classify wraps err in the source error class it belongs to.
func classify(name, op string, err error) error {
	var (
		certErr  *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostErr  x509.HostnameError
		recErr   tls.RecordHeaderError
		invalid  x509.CertificateInvalidError
		alertErr tls.AlertError
	)
	kind := source.ErrProtocol
	switch {
	case goldap.IsErrorWithCode(err, goldap.LDAPResultInvalidCredentials):
		kind = source.ErrAuth
	case goldap.IsErrorWithCode(err, goldap.LDAPResultNoSuchObject):
		kind = source.ErrNoSuchBase
	case errors.As(err, &certErr), errors.As(err, &unknown), errors.As(err, &hostErr),
		errors.As(err, &recErr), errors.As(err, &invalid), errors.As(err, &alertErr),
		strings.Contains(err.Error(), "tls:"), strings.Contains(err.Error(), "x509:"):
		kind = source.ErrTLS
	case goldap.IsErrorWithCode(err, goldap.ErrorNetwork), goldap.IsErrorWithCode(err, goldap.LDAPResultServerDown),
		goldap.IsErrorWithCode(err, goldap.LDAPResultUnavailable), goldap.IsErrorWithCode(err, goldap.LDAPResultBusy):
		kind = source.ErrUnreachable
	}
	var ne net.Error
	// A connection cut while a response was being read surfaces as an
	// untyped EOF: the server went away, so retrying on a new connection
	// may succeed.
	if kind == source.ErrProtocol && (errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) {
		kind = source.ErrUnreachable
	}
	return fmt.Errorf("ldap: %s: %s: %w: %w", name, op, kind, err)
}
