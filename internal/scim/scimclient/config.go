package scimclient

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Config is one upstream SCIM source.
type Config struct {
	Name    string
	BaseURL string // e.g. https://hr.example.org/scim/v2
	Token   string // bearer token
	// PageSize is the count asked per page; 100 when 0.
	PageSize int
	// Timeout per HTTP request; 30s when 0.
	Timeout time.Duration
	// Groups pulls /Groups too.
	Groups bool
	// MaxRetries of a request answered 429 or 5xx; 5 when 0.
	MaxRetries int
	// MaxValueLength rejects records with a longer value; 4096 when 0.
	MaxValueLength int

	// HTTPClient is used when set (tests, custom TLS).
	HTTPClient *http.Client
	// Sleep waits between retries; tests replace it. Default: a timer
	// that stops when ctx ends.
	Sleep func(ctx context.Context, d time.Duration) error
}

// FieldError is one problem in a Config, named as in the YAML.
type FieldError struct {
	Field, Msg string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Msg }

// Validate reports every problem. The token is checked by the caller,
// which resolves it from an environment variable or file.
func (c Config) Validate() []FieldError {
	var errs []FieldError
	if c.BaseURL == "" {
		errs = append(errs, FieldError{"url", "missing"})
	} else if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, FieldError{"url", fmt.Sprintf("must be an absolute http(s) URL, got %q", c.BaseURL)})
	}
	if c.PageSize < 0 || c.PageSize > 10000 {
		errs = append(errs, FieldError{"pageSize", fmt.Sprintf("must be between 1 and 10000, got %d", c.PageSize)})
	}
	if c.MaxRetries < 0 {
		errs = append(errs, FieldError{"maxRetries", "must not be negative"})
	}
	if c.Timeout < 0 {
		errs = append(errs, FieldError{"timeout", "must not be negative"})
	}
	return errs
}

func (c Config) withDefaults() Config {
	if c.PageSize == 0 {
		c.PageSize = 100
	}
	if c.Timeout == 0 {
		c.Timeout = 30 * time.Second
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = 5
	}
	if c.MaxValueLength == 0 {
		c.MaxValueLength = 4096
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: c.Timeout}
	}
	if c.Sleep == nil {
		c.Sleep = func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return c
}
