package scim_test

import (
	"fmt"
	"net/url"
	"testing"
)

// BenchmarkFilteredGet measures GET /Users?filter=userName eq "…" over
// 2,000 users on SQLite, in process (the whole-process figure is
// bench/scimload's).
func BenchmarkFilteredGet(b *testing.B) {
	fs := newBenchServer(b)
	for i := 0; i < 2000; i++ {
		fs.do("POST", "/scim/v2/Users", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u%d@x.test"}`, i))
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		rec := fs.do("GET", "/scim/v2/Users?filter="+url.QueryEscape(fmt.Sprintf(`userName eq "u%d@x.test"`, i%2000)), "")
		if rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
}

// BenchmarkCreate measures POST /Users on SQLite, in process.
func BenchmarkCreate(b *testing.B) {
	fs := newBenchServer(b)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		rec := fs.do("POST", "/scim/v2/Users", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"c%d@x.test","emails":[{"type":"work","value":"c%d@x.test"}]}`, i, i))
		if rec.Code != 201 {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
}
