package scimclient

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/source"
)

// maxBody bounds one response, so a broken server cannot exhaust memory.
const maxBody = 64 << 20

// response is what get returns: the body and the server's Date.
type response struct {
	body []byte
	date time.Time
}

// get fetches path?query with the bearer token, retrying 429 and 5xx (see
// send), and maps the final status to the source package's errors.
func (s *Source) get(ctx context.Context, path string, q url.Values) (response, int, error) {
	u := strings.TrimRight(s.cfg.BaseURL, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	body, resp, attempts, err := send(ctx, s.cfg, s.Logger, s.now, http.MethodGet, path, q, nil)
	if err != nil {
		return response{}, 0, err
	}
	out := response{body: body}
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		out.date = d.UTC()
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		return out, resp.StatusCode, nil
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return out, resp.StatusCode, fmt.Errorf("%w: GET %s: HTTP %d", source.ErrAuth, path, resp.StatusCode)
	case resp.StatusCode == http.StatusNotFound:
		return out, resp.StatusCode, fmt.Errorf("%w: GET %s: HTTP 404 (check the url)", source.ErrNoSuchBase, u)
	case retryable(resp.StatusCode):
		return out, resp.StatusCode, fmt.Errorf("%w: GET %s: HTTP %d after %d retries", source.ErrUnreachable, path, resp.StatusCode, attempts-1)
	}
	return out, resp.StatusCode, fmt.Errorf("%w: GET %s: HTTP %d: %.200s", source.ErrProtocol, path, resp.StatusCode, body)
}

func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status >= 500
}

// send makes one SCIM request with the bearer token, retrying 429 and 5xx
// up to cfg.MaxRetries times, waiting Retry-After when the server sends it
// and exponentially (1s, 2s, 4s, ... at most 30s) otherwise. It returns
// the last answer whatever its status, and how many requests were made;
// an error only when no answer could be read. cfg must have its defaults.
func send(ctx context.Context, cfg Config, logger *slog.Logger, now func() time.Time, method, path string, q url.Values, payload []byte) ([]byte, *http.Response, int, error) {
	u := strings.TrimRight(cfg.BaseURL, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	backoff := time.Second
	for attempt := 0; ; attempt++ {
		var rd io.Reader
		if payload != nil {
			rd = bytes.NewReader(payload)
		}
		req, err := http.NewRequestWithContext(ctx, method, u, rd)
		if err != nil {
			return nil, nil, attempt, fmt.Errorf("%w: %w", source.ErrProtocol, err)
		}
		req.Header.Set("Authorization", "Bearer "+cfg.Token)
		req.Header.Set("Accept", "application/scim+json, application/json")
		if payload != nil {
			req.Header.Set("Content-Type", "application/scim+json")
		}
		resp, err := cfg.HTTPClient.Do(req)
		if err != nil {
			return nil, nil, attempt + 1, classify(err)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		resp.Body.Close()
		if err != nil {
			return nil, resp, attempt + 1, fmt.Errorf("%w: read %s %s: %w", source.ErrUnreachable, method, path, err)
		}
		if retryable(resp.StatusCode) && attempt < cfg.MaxRetries {
			wait := retryAfter(resp.Header.Get("Retry-After"), now())
			if wait <= 0 {
				wait = backoff
				backoff = min(backoff*2, 30*time.Second)
			}
			logger.Info("scim: retrying", "source", cfg.Name, "method", method, "path", path, "status", resp.StatusCode, "wait", wait.String())
			if err := cfg.Sleep(ctx, wait); err != nil {
				return nil, resp, attempt + 1, err
			}
			continue
		}
		return body, resp, attempt + 1, nil
	}
}

// retryAfter reads Retry-After as seconds or an HTTP date (RFC 9110
// section 10.2.3); 0 when absent or unreadable.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
		return min(time.Duration(n)*time.Second, 5*time.Minute)
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), 5*time.Minute)
	}
	return 0
}

func classify(err error) error {
	var (
		certErr *tls.CertificateVerificationError
		unknown x509.UnknownAuthorityError
		hostErr x509.HostnameError
		recErr  tls.RecordHeaderError
		netErr  net.Error
	)
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded) && !errors.As(err, &netErr):
		return err
	case errors.As(err, &certErr), errors.As(err, &unknown), errors.As(err, &hostErr), errors.As(err, &recErr):
		return fmt.Errorf("%w: %w", source.ErrTLS, err)
	}
	return fmt.Errorf("%w: %w", source.ErrUnreachable, err)
}
