package scim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/scim"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/token"
)

// env is a SCIM server over real HTTP on a real database.
type env struct {
	t     *testing.T
	st    store.Store
	id    *identity.Service
	srv   *httptest.Server
	base  string
	token string
	logs  *bytes.Buffer
	// skew moves the server's clock (Now) ahead of the wall clock.
	skew atomic.Int64
}

func newEnv(t *testing.T, st *gormstore.Store, cfg scim.Config) *env {
	t.Helper()
	return newEnvWith(t, st, cfg, identity.Config{Sources: map[string]identity.SourceRole{"workday": identity.RoleHR}})
}

// newEnvWith is newEnv with identity's configuration (job-function rules).
func newEnvWith(t *testing.T, st *gormstore.Store, cfg scim.Config, idcfg identity.Config) *env {
	t.Helper()
	e := &env{t: t, st: st, logs: &bytes.Buffer{}}
	logger := slog.New(slog.NewTextHandler(e.logs, nil))
	var err error
	e.id, err = identity.New(idcfg, st)
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	e.base = e.srv.URL + "/scim/v2"
	cfg.BaseURL = e.base
	s, err := scim.New(cfg, st, e.id, logger, func() time.Time { return time.Now().Add(time.Duration(e.skew.Load())) })
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", http.StripPrefix("/scim", s))
	h = mux
	e.token = e.issue("entra")
	t.Cleanup(func() {
		if t.Failed() && os.Getenv("SCIM_TEST_LOGS") != "" {
			t.Log(e.logs.String())
		}
	})
	return e
}

func (e *env) issue(source string) string {
	e.t.Helper()
	secret, _, err := token.Issue(e.t.Context(), e.st, time.Now(), "test", "tok-"+source, store.ScopeSCIM, source)
	if err != nil {
		e.t.Fatal(err)
	}
	return secret
}

// resp is a decoded response.
type resp struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

func (e *env) do(method, path string, body any) resp {
	e.t.Helper()
	return e.doAs(e.token, method, path, body)
}

func (e *env) doAs(tok, method, path string, body any) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.base+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	req.Header.Set("Content-Type", "application/scim+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := resp{Status: res.StatusCode, Header: res.Header, Raw: string(raw)}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.Body); err != nil {
			e.t.Fatalf("%s %s: response is not JSON: %q", method, path, raw)
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/scim+json" {
			e.t.Fatalf("%s %s: content type %q", method, path, ct)
		}
	}
	if res.StatusCode >= 500 {
		e.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	return out
}

// want fails unless the response has status code.
func (r resp) want(t *testing.T, code int) resp {
	t.Helper()
	if r.Status != code {
		t.Fatalf("status %d, want %d: %s", r.Status, code, r.Raw)
	}
	return r
}

func (r resp) str(path ...string) string {
	v := get(r.Body, path...)
	s, _ := v.(string)
	return s
}

func get(v any, path ...string) any {
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			var i int
			if _, err := fmtSscan(p, &i); err != nil || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

const (
	userSchema  = "urn:ietf:params:scim:schemas:core:2.0:User"
	groupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group"
	entSchema   = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	patchSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
)

func patch(ops ...map[string]any) map[string]any {
	list := make([]any, len(ops))
	for i, o := range ops {
		list[i] = o
	}
	return map[string]any{"schemas": []string{patchSchema}, "Operations": list}
}

func op(o, path string, value any) map[string]any {
	m := map[string]any{"op": o}
	if path != "" {
		m["path"] = path
	}
	if value != nil {
		m["value"] = value
	}
	return m
}

// rawDo is do without failing on 5xx, for tests of failures.
func (e *env) rawDo(tok, method, path string) resp {
	e.t.Helper()
	req, _ := http.NewRequestWithContext(e.t.Context(), method, e.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := resp{Status: res.StatusCode, Header: res.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &out.Body)
	return out
}
