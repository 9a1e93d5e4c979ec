package demoidp_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/syncd-dev/syncd/internal/demoidp"
)

func TestRefusesNonLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:0": true, "[::1]:0": true, "localhost:0": true, "127.0.0.2:9": true,
		"0.0.0.0:0": false, ":0": false, "[::]:0": false, "192.168.1.10:0": false, "example.com:80": false, "nonsense": false,
	} {
		err := demoidp.CheckLoopback(addr)
		if (err == nil) != ok {
			t.Errorf("CheckLoopback(%q) = %v, want ok=%v", addr, err, ok)
		}
	}
	_, err := demoidp.Start(demoidp.Config{Addr: "0.0.0.0:0", Client: demoidp.Client{ID: "c", Secret: "s", RedirectURI: "http://127.0.0.1/cb"}})
	if !errors.Is(err, demoidp.ErrNotLoopback) {
		t.Fatalf("Start on 0.0.0.0: %v", err)
	}
}

func TestDiscoveryAdvertisesCodeFlowWithPKCE(t *testing.T) {
	srv, err := demoidp.Start(demoidp.Config{Addr: "127.0.0.1:0", Client: demoidp.Client{ID: "c", Secret: "s", RedirectURI: "http://127.0.0.1:1/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	resp, err := http.Get(srv.Issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Issuer    string   `json:"issuer"`
		Methods   []string `json:"code_challenge_methods_supported"`
		Responses []string `json:"response_types_supported"`
		JWKSURI   string   `json:"jwks_uri"`
		TokenURL  string   `json:"token_endpoint"`
		AuthURL   string   `json:"authorization_endpoint"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.Issuer != srv.Issuer || doc.JWKSURI == "" || doc.TokenURL == "" || doc.AuthURL == "" {
		t.Fatalf("discovery: %+v", doc)
	}
	hasS256 := false
	for _, m := range doc.Methods {
		hasS256 = hasS256 || m == "S256"
	}
	if !hasS256 {
		t.Fatalf("S256 not advertised: %v", doc.Methods)
	}
	// The client's redirect URI is matched exactly: another one is refused.
	r2, err := http.Get(doc.AuthURL + "?client_id=c&response_type=code&scope=openid&redirect_uri=http://127.0.0.1:1/other&state=x&nonce=n")
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	// Accepted, it would have led (redirects followed) to the login form.
	if r2.StatusCode != http.StatusBadRequest || r2.Request.URL.Path == "/login" {
		t.Fatalf("foreign redirect URI: %d at %s", r2.StatusCode, r2.Request.URL)
	}
}
