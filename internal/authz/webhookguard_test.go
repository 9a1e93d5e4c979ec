package authz

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"
)

func TestWebhookGuardAddresses(t *testing.T) {
	for _, tc := range []struct {
		addr    string
		blocked bool
	}{
		{"127.0.0.1", true},
		{"127.8.9.10", true},
		{"::1", true},
		{"::ffff:127.0.0.1", true},
		{"169.254.169.254", true}, // cloud metadata (link-local)
		{"fe80::1", true},
		{"fd00:ec2::254", true},   // AWS metadata over IPv6
		{"100.100.100.200", true}, // Alibaba metadata
		{"0.0.0.0", true},
		{"0.1.2.3", true},
		{"::", true},
		{"224.0.0.1", true},
		{"64:ff9b::a9fe:a9fe", true}, // NAT64 of 169.254.169.254
		{"93.184.215.14", false},
		{"10.1.2.3", false},
		{"2606:2800:21f:cb07:6820:80da:af6b:8b2c", false},
	} {
		a := netip.MustParseAddr(tc.addr)
		if got := internalOnly(a); got != tc.blocked {
			t.Errorf("%s: internal-only %v, want %v", tc.addr, got, tc.blocked)
		}
	}
	g := WebhookGuard{Networks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	if err := g.checkAddr("127.0.0.1:443"); err != nil {
		t.Errorf("loopback explicitly allowed: %v", err)
	}
	if err := g.checkAddr("169.254.169.254:80"); !errors.Is(err, ErrWebhookAddress) {
		t.Errorf("metadata with only loopback allowed: %v", err)
	}
}

// The guarded client refuses internal-only addresses at connect time
// (after name resolution, so a name pointing there does not help) unless
// the network is explicitly allowed, and follows no redirect out of the
// allow-list.
func TestWebhookGuardClient(t *testing.T) {
	var outside atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { outside.Add(1) }))
	defer evil.Close()
	var hits atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/syncd/away":
			http.Redirect(w, r, evil.URL+"/syncd/x", http.StatusTemporaryRedirect)
		case "/syncd/moved":
			http.Redirect(w, r, "/syncd/here", http.StatusTemporaryRedirect)
		}
	}))
	defer hook.Close()
	allow := []string{hook.URL + "/syncd/"}
	post := func(g WebhookGuard, url string) (*http.Response, error) {
		c := g.Client(5 * time.Second)
		resp, err := c.Post(url, "application/json", nil)
		if err == nil {
			resp.Body.Close()
		}
		return resp, err
	}

	// Loopback, not explicitly allowed: refused before anything is sent.
	if _, err := post(WebhookGuard{AllowList: allow}, hook.URL+"/syncd/x"); !errors.Is(err, ErrWebhookAddress) {
		t.Fatalf("loopback without webhookAllowedNetworks: %v", err)
	}
	// localhost resolves to loopback: refused too.
	if _, err := post(WebhookGuard{AllowList: []string{"http://localhost/"}}, "http://localhost:"+hook.URL[len("http://127.0.0.1:"):]+"/syncd/x"); !errors.Is(err, ErrWebhookAddress) {
		t.Fatalf("localhost without webhookAllowedNetworks: %v", err)
	}
	if hits.Load() != 0 {
		t.Fatalf("the receiver got %d requests", hits.Load())
	}

	g := WebhookGuard{AllowList: allow, Networks: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	if resp, err := post(g, hook.URL+"/syncd/x"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("allowed destination: %v", err)
	}
	if resp, err := post(g, hook.URL+"/syncd/moved"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("redirect inside the allow-list: %v", err)
	}
	if _, err := post(g, hook.URL+"/syncd/away"); !errors.Is(err, ErrWebhookNotAllowed) {
		t.Fatalf("redirect out of the allow-list: %v", err)
	}
	if outside.Load() != 0 {
		t.Fatalf("the outside destination got %d requests", outside.Load())
	}
	if err := g.Check(evil.URL + "/syncd/x"); !errors.Is(err, ErrWebhookNotAllowed) {
		t.Fatalf("Check outside the allow-list: %v", err)
	}
}
