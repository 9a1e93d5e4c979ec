package webui_test

import (
	"net/http"
	"testing"
)

// TestRoutesByRole is the route × role table of the routes this change
// adds (the coordinator merges these rows into the shared table): the
// audit trail and its verification for admins and auditors only, 404 for
// everyone else (as an object one may not see); the owner's page and
// the CSV exports for everyone signed in, showing only their own.
func TestRoutesByRole(t *testing.T) {
	f := newReviewFixtureWith(t, withStrictCatalog)
	routes := []struct {
		path string
		want map[string]int // login → status
	}{
		{"/audit", map[string]int{"carol": 200, "alice": 200, "mike": 404, "sam": 404, "rita": 404}},
		{"/audit/verify", map[string]int{"carol": 200, "alice": 200, "mike": 404, "sam": 404, "rita": 404}},
		{"/catalog/mine", map[string]int{"carol": 200, "alice": 200, "mike": 200, "sam": 200}},
		{"/approvals?format=csv&list=", map[string]int{"carol": 200, "alice": 200, "mike": 200, "sam": 200}},
		{"/requests?format=csv&list=g", map[string]int{"carol": 200, "alice": 200, "mike": 200, "sam": 200}},
		{"/reviews?format=csv", map[string]int{"carol": 200, "alice": 200, "mike": 200, "sam": 200}},
		{"/nhis?format=csv", map[string]int{"carol": 200, "alice": 200, "mike": 200, "sam": 200}},
	}
	for who := range routes[0].want {
		b := f.as(who)
		for _, rt := range routes {
			want, ok := rt.want[who]
			if !ok {
				continue
			}
			if got := b.Get(f.base + rt.path).StatusCode; got != want {
				t.Errorf("%s GET %s: %d, want %d", who, rt.path, got, want)
			}
		}
	}
	// Signed out, every one of them sends the browser to sign in.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, rt := range routes {
		resp, err := client.Get(f.base + rt.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("signed out GET %s: %d", rt.path, resp.StatusCode)
		}
	}
}
