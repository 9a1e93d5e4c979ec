package authz

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"syscall"
	"time"
)

// ErrWebhookAddress: a webhook destination that resolves to an address
// only reachable from inside (loopback, link-local, cloud metadata…) and
// not in security.webhookAllowedNetworks.
var ErrWebhookAddress = errors.New("authz: webhook destination resolves to an internal-only address not in security.webhookAllowedNetworks")

// WebhookGuard enforces the webhook rules where a webhook is sent, not
// only where a catalog item is written: the allow-list may have shrunk
// since, and a name may resolve elsewhere today.
//
//   - Check: the URL must match AllowList (ValidateWebhookURL);
//   - Client: connects only to addresses that are not internal-only, or
//     that lie in Networks, checked on the resolved address of every
//     connection (so DNS answers cannot smuggle one in), and follows a
//     redirect only to a URL that passes Check (at most 3).
type WebhookGuard struct {
	AllowList []string
	// Networks are internal-only address ranges webhooks may still reach
	// (security.webhookAllowedNetworks, e.g. 127.0.0.1/32 for a local
	// receiver).
	Networks []netip.Prefix
}

// Check reports whether raw is an allowed destination.
func (g WebhookGuard) Check(raw string) error { return ValidateWebhookURL(g.AllowList, raw) }

// maxWebhookRedirects bounds the redirects a webhook follows.
const maxWebhookRedirects = 3

// Client returns an HTTP client for webhooks with the address and
// redirect checks. It uses no proxy: a proxy would hide the destination
// address from the check.
func (g WebhookGuard) Client(timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error { return g.checkAddr(address) }}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}
	return &http.Client{
		Timeout:   timeout,
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxWebhookRedirects {
				return fmt.Errorf("authz: webhook: more than %d redirects", maxWebhookRedirects)
			}
			if err := g.Check(req.URL.String()); err != nil {
				return fmt.Errorf("authz: webhook redirected: %w", err)
			}
			return nil
		},
	}
}

// checkAddr is called with the resolved "ip:port" of each connection.
func (g WebhookGuard) checkAddr(address string) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("authz: webhook address %q: %w", address, err)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("authz: webhook address %q: %w", address, err)
	}
	ip = ip.Unmap()
	if !internalOnly(ip) || slices.ContainsFunc(g.Networks, func(p netip.Prefix) bool { return p.Contains(ip) }) {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrWebhookAddress, ip)
}

// metadata are cloud metadata addresses outside the link-local ranges.
var metadata = []netip.Addr{
	netip.MustParseAddr("fd00:ec2::254"),   // AWS over IPv6
	netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
}

var (
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8")
	nat64       = netip.MustParsePrefix("64:ff9b::/96")
)

// internalOnly reports whether ip is reachable only from inside the host
// or its link: loopback, link-local, unspecified, "this network",
// multicast, cloud metadata, or a NAT64 address embedding one of these.
func internalOnly(ip netip.Addr) bool {
	ip = ip.Unmap()
	if nat64.Contains(ip) {
		b := ip.As16()
		return internalOnly(netip.AddrFrom4([4]byte(b[12:])))
	}
	return ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() ||
		ip.IsMulticast() || ip.IsUnspecified() || thisNetwork.Contains(ip) || slices.Contains(metadata, ip)
}
