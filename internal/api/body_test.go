package api_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestJSONBodyChecks: 415 for a non-JSON Content-Type, 413 over the body
// limit, 400 naming the field for a repeated key, a NUL character, an
// over-long string or year 0, the same on SQLite and PostgreSQL, and
// nothing stored for any of them.
func TestJSONBodyChecks(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		h := newHarness(t, st)
		send := func(ct, body string) (int, string) {
			req, _ := http.NewRequestWithContext(t.Context(), "POST", h.srv.URL+"/api/v1/projects", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+h.secret)
			if ct != "" {
				req.Header.Set("Content-Type", ct)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			raw, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(raw)
		}
		cases := []struct {
			name, ct, body string
			code           int
			field          string
		}{
			{"form", "application/x-www-form-urlencoded", "name=x", 415, ""},
			{"text", "text/plain", `{"name":"x"}`, 415, ""},
			{"too big", "application/json", `{"name":"` + strings.Repeat("x", 1<<20) + `"}`, 413, ""},
			{"duplicate key", "application/json", `{"name":"a","name":"b"}`, 400, "name"},
			{"nested duplicate", "", `{"name":"a","x":{"k":1,"k":2}}`, 400, "x.k"},
			{"NUL", "application/json; charset=utf-8", `{"name":"a\u0000b"}`, 400, "name"},
			{"invalid UTF-8", "application/json", "{\"name\":\"a\xffb\"}", 400, "(body)"},
			{"over-long", "application/json", `{"name":"` + strings.Repeat("n", 70000) + `"}`, 400, "name"},
			{"year 0", "application/json", `{"name":"y0","start_date":"0000-01-01"}`, 400, "start_date"},
		}
		for _, tc := range cases {
			code, raw := send(tc.ct, tc.body)
			if code != tc.code || !strings.Contains(raw, `"error"`) || tc.field != "" && !strings.Contains(raw, `"field":"`+tc.field+`"`) {
				t.Errorf("%s: %d %.200s", tc.name, code, raw)
			}
		}
		if code, raw := send("application/json", `{"name":"fine"}`); code != http.StatusCreated {
			t.Fatalf("a good body: %d %s", code, raw)
		}
		_, out := h.do("token", "GET", "/api/v1/projects", nil)
		if items, _ := out["items"].([]any); len(items) != 1 {
			t.Fatalf("refused bodies stored something: %v", out)
		}
	})
}
