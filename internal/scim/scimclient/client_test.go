package scimclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/pull"
	"github.com/syncd-dev/syncd/internal/scim/scimclient"
	"github.com/syncd-dev/syncd/internal/source"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// hr is an upstream SCIM server that misbehaves on request: it states
// itemsPerPage wrongly, answers 429 and 503 before succeeding, can serve a
// malformed page, and can grow between pages.
type hr struct {
	mu        sync.Mutex
	users     []map[string]any
	groups    []map[string]any
	filters   bool
	throttle  map[int]int // startIndex → responses to fail first (429, then 503)
	malformed map[int]bool
	growAfter int // add a user once this many pages were served
	served    int
	queries   []string
}

func newHR(n int) *hr {
	h := &hr{filters: true, throttle: map[int]int{}, malformed: map[int]bool{}}
	for i := 1; i <= n; i++ {
		h.users = append(h.users, user(i, fmt.Sprintf("2026-01-0%dT10:00:00Z", 1+i%9)))
	}
	return h
}

func user(i int, modified string) map[string]any {
	u := map[string]any{
		"id": fmt.Sprintf("hr-%d", i), "userName": fmt.Sprintf("user%d", i), "title": "Analyst", "active": i%5 != 0,
		"name":   map[string]any{"givenName": "Given", "familyName": fmt.Sprintf("Family%d", i)},
		"emails": []any{map[string]any{"value": fmt.Sprintf("user%d@example.org", i), "primary": true}},
		"meta":   map[string]any{"lastModified": modified},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{
			"employeeNumber": fmt.Sprintf("H%d", i), "department": "Finance", "costCenter": "CC1",
		},
	}
	if i > 1 {
		u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].(map[string]any)["manager"] = map[string]any{"value": "hr-1"}
	}
	return u
}

func (h *hr) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer s3cret" {
		http.Error(w, `{"status":"401"}`, http.StatusUnauthorized)
		return
	}
	switch r.URL.Path {
	case "/scim/v2/ServiceProviderConfig":
		json.NewEncoder(w).Encode(map[string]any{"filter": map[string]any{"supported": h.filters, "maxResults": 200}})
		return
	case "/scim/v2/Users", "/scim/v2/Groups":
	default:
		http.NotFound(w, r)
		return
	}
	h.queries = append(h.queries, r.URL.RawQuery)
	start, _ := strconv.Atoi(r.URL.Query().Get("startIndex"))
	count, _ := strconv.Atoi(r.URL.Query().Get("count"))
	if n := h.throttle[start]; n > 0 {
		h.throttle[start] = n - 1
		if n%2 == 0 {
			w.Header().Set("Retry-After", "2")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		} else {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
		}
		return
	}
	if h.malformed[start] && r.URL.Path == "/scim/v2/Users" {
		w.Write([]byte(`{"totalResults": 7, "Resources": [{"id": "hr-`))
		return
	}
	all := h.users
	if r.URL.Path == "/scim/v2/Groups" {
		all = h.groups
	}
	if f := r.URL.Query().Get("filter"); f != "" {
		mark := strings.Trim(strings.TrimPrefix(f, "meta.lastModified gt "), `"`)
		var sel []map[string]any
		for _, u := range all {
			if u["meta"].(map[string]any)["lastModified"].(string) > mark {
				sel = append(sel, u)
			}
		}
		all = sel
	}
	var res []map[string]any
	for i := start - 1; i >= 0 && i < len(all) && len(res) < count; i++ {
		res = append(res, all[i])
	}
	h.served++
	if h.growAfter > 0 && h.served == h.growAfter {
		h.users = append(h.users, user(len(h.users)+1, "2026-01-01T00:00:00Z"))
	}
	w.Header().Set("Content-Type", "application/scim+json")
	json.NewEncoder(w).Encode(map[string]any{
		"schemas":      []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"},
		"totalResults": len(all), "startIndex": start, "itemsPerPage": 50, // wrong on purpose
		"Resources": res,
	})
}

func newSource(t *testing.T, url string, waits *[]time.Duration) *scimclient.Source {
	t.Helper()
	src, err := scimclient.New(scimclient.Config{
		Name: "workday", BaseURL: url + "/scim/v2", Token: "s3cret", PageSize: 3, Groups: true,
		Sleep: func(_ context.Context, d time.Duration) error { *waits = append(*waits, d); return nil },
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func runner(t *testing.T, st store.Store) *pull.Runner {
	ids, err := identity.New(identity.Config{Sources: map[string]identity.SourceRole{"workday": identity.RoleHR}}, st)
	if err != nil {
		t.Fatal(err)
	}
	return &pull.Runner{Store: st, Identity: ids, Holder: "test"}
}

func TestPullFromMisbehavingSCIMServer(t *testing.T) {
	h := newHR(7)
	h.throttle[4] = 2 // page 2: 429 (Retry-After: 2), then 503, then success
	h.growAfter = 2   // a user appears while we page
	h.groups = []map[string]any{{"id": "g1", "displayName": "Finance", "members": []any{map[string]any{"value": "hr-1"}, map[string]any{"value": "hr-2"}}}}
	srv := httptest.NewServer(h)
	defer srv.Close()
	st := gormtest.SQLite(t)
	var waits []time.Duration
	src := newSource(t, srv.URL, &waits)
	ctx := t.Context()

	run, err := runner(t, st).Run(ctx, src, pull.Options{})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if run.Counts.Created != 8 || run.Counts.Rejected != 0 || run.Counts.Disabled != 1 {
		t.Fatalf("counts %+v rejections %+v", run.Counts, run.Rejections)
	}
	if len(waits) != 2 || waits[0] != 2*time.Second || waits[1] != time.Second {
		t.Errorf("retry waits %v, want [2s 1s] (Retry-After, then backoff)", waits)
	}
	p2, err := st.FindPersons(ctx, store.MatchEmployeeNumber, "H2")
	if err != nil || len(p2) != 1 {
		t.Fatal(err)
	}
	p1, _ := st.FindPersons(ctx, store.MatchEmployeeNumber, "H1")
	if p2[0].ManagerID != p1[0].ID || p2[0].CostCenter != "CC1" || p2[0].Email != "user2@example.org" {
		t.Errorf("person H2: %+v", p2[0])
	}
	groups, _ := st.ListGroups(ctx, store.GroupQuery{Source: "workday"})
	if len(groups) != 1 {
		t.Fatalf("groups: %+v", groups)
	}
	if m, _ := st.ListGroupMembers(ctx, groups[0].ID); len(m) != 2 {
		t.Errorf("group members %v", m)
	}
	// A user appeared while the pages were read: the read was no
	// snapshot, so it is partial and keeps no mark (the next run is full
	// again and may see what this one missed).
	if run.Status != store.RunPartial || run.Watermark != "" || !strings.Contains(run.Error, "totalResults changed") {
		t.Fatalf("read of a growing collection: %s %q watermark %q", run.Status, run.Error, run.Watermark)
	}
	run, err = runner(t, st).Run(ctx, src, pull.Options{})
	if err != nil || run.Mode != pull.ModeFull || run.Status != store.RunSucceeded || run.Watermark == "" {
		t.Fatalf("the next, consistent full run: %v %+v", err, run)
	}

	// Incremental: only users modified after the watermark are asked for.
	h.mu.Lock()
	h.users[2] = user(3, "2026-02-01T00:00:00Z")
	h.users[2]["title"] = "Controller"
	h.queries = nil
	h.mu.Unlock()
	run, err = runner(t, st).Run(ctx, src, pull.Options{})
	if err != nil || run.Mode != pull.ModeIncremental || run.Counts.Read != 1 || run.Counts.Updated != 1 {
		t.Fatalf("incremental: %v %+v", err, run)
	}
	if !strings.Contains(h.queries[0], "filter=meta.lastModified+gt") {
		t.Errorf("incremental query %q has no filter", h.queries[0])
	}

	// A malformed page is rejected, the rest applied, and nobody is
	// unlinked on the strength of an incomplete read.
	h.mu.Lock()
	h.malformed[4] = true
	h.mu.Unlock()
	run, err = runner(t, st).Run(ctx, src, pull.Options{Full: true})
	if err != nil {
		t.Fatalf("full run with a malformed page: %v", err)
	}
	if run.Counts.Rejected != 1 || run.Counts.Terminated != 0 || !strings.Contains(run.Rejections[0].Reason, "malformed ListResponse") {
		t.Fatalf("malformed page: counts %+v rejections %+v", run.Counts, run.Rejections)
	}
	if n, _ := st.CountPersons(ctx, store.PersonQuery{Status: store.StatusTerminated}); n != 0 {
		t.Errorf("%d persons terminated after an incomplete read", n)
	}
}

func TestSCIMFailureClasses(t *testing.T) {
	h := newHR(1)
	srv := httptest.NewServer(h)
	defer srv.Close()
	tlsSrv := httptest.NewTLSServer(h) // its certificate is not trusted
	defer tlsSrv.Close()
	var waits []time.Duration
	for _, tc := range []struct {
		name string
		cfg  func(c *scimclient.Config)
		want error
	}{
		{"wrong token", func(c *scimclient.Config) { c.Token = "nope" }, source.ErrAuth},
		{"wrong path", func(c *scimclient.Config) { c.BaseURL = srv.URL + "/nope" }, source.ErrNoSuchBase},
		{"unreachable", func(c *scimclient.Config) { c.BaseURL = "http://127.0.0.1:1/scim/v2" }, source.ErrUnreachable},
		{"TLS", func(c *scimclient.Config) {
			c.BaseURL = tlsSrv.URL + "/scim/v2"
		}, source.ErrTLS},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := scimclient.Config{Name: "workday", BaseURL: srv.URL + "/scim/v2", Token: "s3cret",
				Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
			tc.cfg(&cfg)
			src, err := scimclient.New(cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = src.Pull(t.Context(), source.Request{}, nopSink{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
		})
	}
}

type nopSink struct{}

func (nopSink) Person(context.Context, identity.Record) error               { return nil }
func (nopSink) Reject(string, string)                                       {}
func (nopSink) Group(context.Context, source.Group) error                   { return nil }
func (nopSink) ServiceAccount(context.Context, source.ServiceAccount) error { return nil }
