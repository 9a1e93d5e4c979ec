package scimclient_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/scim/scimclient"
)

// fakeApp is a downstream SCIM app answering each request from a script;
// it records what it was sent. Only failure shapes syncd's own server
// does not produce are tested here (the real round trip is in package
// access).
type fakeApp struct {
	mu      sync.Mutex
	answers []func(w http.ResponseWriter)
	got     []string // "METHOD path?query body"
	auth    []string
}

func (f *fakeApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, r.Method+" "+r.URL.RequestURI()+" "+string(body))
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	if len(f.answers) == 0 {
		w.WriteHeader(http.StatusTeapot)
		return
	}
	a := f.answers[0]
	f.answers = f.answers[1:]
	a(w)
}

func status(code int, body string, hdr ...string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

func writerFor(t *testing.T, f *fakeApp) (*scimclient.GroupWriter, *[]time.Duration) {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	var waits []time.Duration
	w, err := scimclient.NewGroupWriter(scimclient.Config{Name: "wiki", BaseURL: srv.URL + "/scim/v2", Token: "s3cret",
		Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return w, &waits
}

func TestGroupWriterRetriesAndIdempotence(t *testing.T) {
	cases := []struct {
		name      string
		answers   []func(w http.ResponseWriter)
		call      func(*scimclient.GroupWriter) error
		wantErr   string // "" for success
		wantWaits []time.Duration
		wantFirst string // prefix of the first request
	}{
		{"429 with Retry-After, then added", []func(http.ResponseWriter){status(429, "", "Retry-After", "3"), status(204, "")},
			func(w *scimclient.GroupWriter) error { return w.AddMember(t.Context(), "g1", "u1") }, "", []time.Duration{3 * time.Second},
			`PATCH /scim/v2/Groups/g1 {"Operations":[{"op":"add","path":"members","value":[{"value":"u1"}]}],"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`},
		{"503 twice then removed", []func(http.ResponseWriter){status(503, ""), status(503, ""), status(200, "{}")},
			func(w *scimclient.GroupWriter) error { return w.RemoveMember(t.Context(), "g1", `u"1`) }, "", []time.Duration{time.Second, 2 * time.Second},
			`PATCH /scim/v2/Groups/g1 {"Operations":[{"op":"remove","path":"members[value eq \"u\\\"1\"]"}]`},
		{"add answered 409 is success", []func(http.ResponseWriter){status(409, `{"scimType":"uniqueness"}`)},
			func(w *scimclient.GroupWriter) error { return w.AddMember(t.Context(), "g1", "u1") }, "", nil, "PATCH"},
		{"remove answered noTarget is success", []func(http.ResponseWriter){status(400, `{"scimType":"noTarget"}`)},
			func(w *scimclient.GroupWriter) error { return w.RemoveMember(t.Context(), "g1", "u1") }, "", nil, "PATCH"},
		{"remove answered 404 on the member is success", []func(http.ResponseWriter){status(404, ""), status(200, `{"id":"g1"}`)},
			func(w *scimclient.GroupWriter) error { return w.RemoveMember(t.Context(), "g1", "u1") }, "", nil, "PATCH"},
		{"missing group is named", []func(http.ResponseWriter){status(404, ""), status(404, "")},
			func(w *scimclient.GroupWriter) error { return w.AddMember(t.Context(), "g1", "u1") }, `wiki: group "g1" does not exist`, nil, "PATCH"},
		{"other 400 fails", []func(http.ResponseWriter){status(400, `{"scimType":"invalidValue"}`)},
			func(w *scimclient.GroupWriter) error { return w.AddMember(t.Context(), "g1", "u1") }, "wiki: PATCH /Groups/g1: HTTP 400", nil, "PATCH"},
		{"refused token", []func(http.ResponseWriter){status(401, "")},
			func(w *scimclient.GroupWriter) error { return w.AddMember(t.Context(), "g1", "u1") }, "HTTP 401 (check the token)", nil, "PATCH"},
		{"500 until retries run out", []func(http.ResponseWriter){status(500, ""), status(500, ""), status(500, ""), status(500, ""), status(500, ""), status(500, "")},
			func(w *scimclient.GroupWriter) error { return w.AddMember(t.Context(), "g1", "u1") }, "HTTP 500 after 6 attempts",
			[]time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second}, "PATCH"},
		{"no such user", []func(http.ResponseWriter){status(200, `{"totalResults":0,"Resources":[]}`)},
			func(w *scimclient.GroupWriter) error { _, err := w.UserID(t.Context(), `o"dd\name`); return err }, `wiki: userName "o\"dd\\name": no such user`, nil,
			`GET /scim/v2/Users?attributes=id%2CuserName&filter=userName+eq+%22o%5C%22dd%5C%5Cname%22`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeApp{answers: tc.answers}
			w, waits := writerFor(t, f)
			err := tc.call(w)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err %v, want %q", err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("the token leaked into %v", err)
			}
			if len(*waits) != len(tc.wantWaits) || len(tc.wantWaits) > 0 && !equalDurations(*waits, tc.wantWaits) {
				t.Fatalf("waits %v, want %v", *waits, tc.wantWaits)
			}
			if !strings.HasPrefix(f.got[0], tc.wantFirst) {
				t.Fatalf("first request %s, want %s", f.got[0], tc.wantFirst)
			}
			for _, a := range f.auth {
				if a != "Bearer s3cret" {
					t.Fatalf("authorization %q", a)
				}
			}
			if len(f.answers) != 0 {
				t.Fatalf("%d answers left unused", len(f.answers))
			}
		})
	}
	if !errors.Is(func() error {
		w, _ := writerFor(t, &fakeApp{answers: []func(http.ResponseWriter){status(200, `{"Resources":[]}`)}})
		_, err := w.UserID(t.Context(), "x")
		return err
	}(), scimclient.ErrNoUser) {
		t.Fatal("missing user is not ErrNoUser")
	}
}

func equalDurations(a, b []time.Duration) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}
