package scimclient_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/scim/scimclient"
	"github.com/syncd-dev/syncd/internal/source"
)

// TestExistsConfirmsEachAbsence: only a 404 that a filter on the id does
// not contradict counts as gone; a server that refuses id filters (400)
// leaves the 404 standing; any other answer is an error, never "gone".
func TestExistsConfirmsEachAbsence(t *testing.T) {
	idFilters := true
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/scim+json")
		switch {
		case r.URL.Path == "/scim/v2/ServiceProviderConfig":
			_ = json.NewEncoder(w).Encode(map[string]any{"filter": map[string]any{"supported": true}})
		case r.URL.Path == "/scim/v2/Users/present":
			_, _ = w.Write([]byte(`{"id":"present","userName":"p"}`))
		case r.URL.Path == "/scim/v2/Users/broken":
			http.Error(w, "no", http.StatusInternalServerError)
		case r.URL.Path == "/scim/v2/Users" && r.URL.Query().Get("filter") != "":
			if !idFilters {
				http.Error(w, `{"status":"400","scimType":"invalidFilter"}`, http.StatusBadRequest)
				return
			}
			n := 0
			if strings.Contains(r.URL.Query().Get("filter"), `"misrouted"`) {
				n = 1 // GET /Users/misrouted answers 404, yet the user is listed
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"totalResults": n, "Resources": []any{}})
		default:
			http.NotFound(w, r)
		}
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	src, err := scimclient.New(scimclient.Config{Name: "hr", BaseURL: srv.URL + "/scim/v2", Token: "t", MaxRetries: 0,
		Sleep: func(context.Context, time.Duration) error { return nil }}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ref := func(id string) source.Ref { return source.Ref{Kind: source.KindPerson, ExternalID: id} }
	got, err := src.Exists(t.Context(), []source.Ref{ref("present"), ref("gone"), ref("misrouted")})
	if err != nil || len(got) != 3 || !got[0] || got[1] || !got[2] {
		t.Fatalf("exists: %v %v", got, err)
	}
	idFilters = false
	got, err = src.Exists(t.Context(), []source.Ref{ref("gone")})
	if err != nil || got[0] {
		t.Fatalf("server without id filters: %v %v", got, err)
	}
	if _, err := src.Exists(t.Context(), []source.Ref{ref("present"), ref("broken")}); err == nil {
		t.Fatal("a failing lookup must be an error")
	}
}
