package auth

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// LinkBy names the person attribute an ID token is linked by.
type LinkBy string

const (
	LinkByEmail          LinkBy = "email"
	LinkByEmployeeNumber LinkBy = "employeeNumber"
)

// Config is the relying party's configuration (cmd/syncd maps the YAML
// onto it).
type Config struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is registered with the IdP and must match exactly; its
	// path is where the callback is served.
	RedirectURL string
	Scopes      []string // openid is always added
	// LinkBy and LinkClaim: the ID token claim LinkClaim is compared with
	// the person attribute LinkBy.
	LinkBy      LinkBy
	LinkClaim   string
	GroupsClaim string
	// RoleGroups maps roles to group names and RoleJobFunctions to job
	// functions; both are matched against current data on every request
	// (see standingOf), so a change of groups or job function changes
	// roles at once.
	RoleGroups       RoleMap
	RoleJobFunctions RoleMap

	IdleTimeout, AbsoluteTimeout time.Duration
	CookieSecure                 bool
	// PersistentCookie gives the session cookie a Max-Age (the absolute
	// timeout), so it outlives the browser; off by default.
	PersistentCookie bool
	// TrustUnverifiedEmail links by email even without email_verified:
	// true in the ID token. Off by default.
	TrustUnverifiedEmail bool
	// FailuresPerMinute bounds failed sign-ins per client address before
	// 429; 20 when 0.
	FailuresPerMinute int
	// Events and Limiter, when set, are shared with the JSON API; New
	// makes its own otherwise.
	Events  *Recorder
	Limiter *Limiter

	// HTTPClient talks to the IdP (discovery, keys, token endpoint);
	// http.DefaultClient when nil.
	HTTPClient *http.Client
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	if u, err := url.Parse(c.Issuer); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		errs = append(errs, fmt.Errorf("issuer: must be an absolute URL, got %q", c.Issuer))
	}
	if c.ClientID == "" {
		errs = append(errs, errors.New("clientID: missing"))
	}
	if c.ClientSecret == "" {
		errs = append(errs, errors.New("client secret: missing"))
	}
	if u, err := url.Parse(c.RedirectURL); err != nil || u.Host == "" || u.Path == "" || u.RawQuery != "" || u.Fragment != "" {
		errs = append(errs, fmt.Errorf("redirectURL: must be an absolute URL with a path and no query, got %q", c.RedirectURL))
	}
	switch c.LinkBy {
	case LinkByEmail, LinkByEmployeeNumber:
	default:
		errs = append(errs, fmt.Errorf("linkBy: must be email or employeeNumber, got %q", c.LinkBy))
	}
	if c.LinkClaim == "" {
		errs = append(errs, errors.New("linkClaim: missing"))
	}
	for role := range c.RoleGroups {
		if !role.Valid() {
			errs = append(errs, fmt.Errorf("roles: unknown role %q", role))
		}
	}
	for role := range c.RoleJobFunctions {
		if !role.Valid() {
			errs = append(errs, fmt.Errorf("roleJobFunctions: unknown role %q", role))
		}
	}
	if c.IdleTimeout <= 0 || c.AbsoluteTimeout <= 0 || c.IdleTimeout > c.AbsoluteTimeout {
		errs = append(errs, fmt.Errorf("session timeouts: idle (%s) and absolute (%s) must be positive, idle ≤ absolute", c.IdleTimeout, c.AbsoluteTimeout))
	}
	return errors.Join(errs...)
}
