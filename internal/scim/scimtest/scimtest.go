// Package scimtest runs syncd's SCIM server over real HTTP for other
// packages' tests (an IdP pushing users, an upstream HR syncd). Import it
// from _test.go files only.
package scimtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/scim"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/token"
)

// Server is a SCIM server on loopback with one SCIM token for a source
// named after it.
type Server struct {
	t     testing.TB
	Base  string // http://127.0.0.1:PORT/scim/v2
	Token string
}

// Start serves /scim/v2 on st through ids, with a token for source.
func Start(t testing.TB, st store.Store, ids *identity.Service, source string) *Server {
	t.Helper()
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	s := &Server{t: t, Base: srv.URL + "/scim/v2"}
	server, err := scim.New(scim.Config{BaseURL: s.Base}, st, ids, nil, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", http.StripPrefix("/scim", server))
	h = mux
	if s.Token, _, err = token.Issue(t.Context(), st, time.Now(), "test", "scim-"+source, store.ScopeSCIM, source); err != nil {
		t.Fatal(err)
	}
	return s
}

// Call sends a SCIM request with the token and fails the test unless the
// answer is 2xx; it returns the decoded body (nil for 204).
func (s *Server) Call(method, path string, body any) map[string]any {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(s.t.Context(), method, s.Base+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.Token)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		s.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out
}

// Deactivate sends the PATCH Entra and Okta use to deactivate a user.
func (s *Server) Deactivate(id string) {
	s.t.Helper()
	s.Call("PATCH", "/Users/"+id, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "Replace", "value": map[string]any{"active": "False"}}}})
}
