package scimclient

import (
	"testing"
	"unicode/utf8"
)

// FuzzDecodePage: a page body from the network never panics the decoder,
// and a decoded page has a non-negative total.
func FuzzDecodePage(f *testing.F) {
	f.Add([]byte(`{"totalResults":2,"itemsPerPage":50,"startIndex":1,"Resources":[{"id":"a"},{"id":"b"}]}`))
	f.Add([]byte(`{"totalResults":-1}`))
	f.Add([]byte(`{"totalResults": 7, "Resources": [{"id": "hr-`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodePage(b)
		if err == nil && p.TotalResults < 0 {
			t.Fatalf("negative total accepted: %d", p.TotalResults)
		}
	})
}

// FuzzMapUser: any resource maps to a clean record or a rejection.
func FuzzMapUser(f *testing.F) {
	f.Add([]byte(`{"id":"1","userName":"a","active":false,"emails":[{"value":"a@x","primary":true}],"meta":{"lastModified":"2026-01-01T00:00:00Z"},"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"7","manager":{"value":"2"}}}`))
	f.Add([]byte(`{"id":"","userName":"a"}`))
	f.Add([]byte(`{"id":"1","meta":{"lastModified":"yesterday"}}`))
	f.Add([]byte("{\"id\":\"1\",\"title\":\"\xff\"}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, _, err := mapUser(b, 4096)
		if err != nil {
			return
		}
		if r.ExternalID == "" {
			t.Fatal("record without id")
		}
		for k, v := range r.Attributes {
			if len(v) > 4096 || !utf8.ValidString(v) {
				t.Fatalf("attribute %s = %q", k, v)
			}
		}
		if s := r.Attributes["status"]; s != "active" && s != "disabled" {
			t.Fatalf("status %q", s)
		}
		_, _ = mapGroup(b)
		_ = resourceID(b)
	})
}
