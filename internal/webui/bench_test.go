package webui_test

import (
	"net/http"
	"testing"
)

// BenchmarkPages measures whole requests (session lookup, authorization,
// queries, rendering) against the demo organisation on SQLite, as the
// admin (who sees everything) and as the demo manager (whose lists are
// filtered by the reports walk).
func BenchmarkPages(b *testing.B) {
	e := demoEnv(b)
	for _, user := range []string{"ada", "max"} {
		br := e.as(user)
		for _, page := range []string{"/", "/people", "/people?q=an", "/nhis", "/nhis/" + e.nhis["svc-dwh-migrator"]} {
			name := page
			if len(name) > 12 {
				name = name[:12]
			}
			b.Run(user+name, func(b *testing.B) {
				for b.Loop() {
					if resp := br.Get(e.base + page); resp.StatusCode != http.StatusOK {
						b.Fatalf("%s: %d", page, resp.StatusCode)
					}
				}
			})
		}
	}
}
