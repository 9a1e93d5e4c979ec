package auth

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzSafeReturn: whatever the return parameter holds, sign-in only ever
// sends the browser to a path on syncd itself.
func FuzzSafeReturn(f *testing.F) {
	for _, s := range []string{"/", "/people?q=x", "//evil.example", "/\\evil.example", "https://evil.example/", "/auth/login", "", "javascript:alert(1)", "/%2F%2Fevil"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := safeReturn(in)
		if !strings.HasPrefix(out, "/") || strings.HasPrefix(out, "//") || strings.HasPrefix(out, "/\\") {
			t.Fatalf("safeReturn(%q) = %q", in, out)
		}
		u, err := url.Parse(out)
		if err == nil && (u.Host != "" || u.Scheme != "") {
			t.Fatalf("safeReturn(%q) = %q leaves the site", in, out)
		}
	})
}

// FuzzStringList: a groups claim of any JSON shape yields strings only.
func FuzzStringList(f *testing.F) {
	f.Add("a", "b", 3)
	f.Fuzz(func(t *testing.T, a, b string, n int) {
		for _, v := range []any{a, []any{a, b, n}, []any{}, nil, n, map[string]any{a: b}} {
			for _, s := range stringList(v) {
				if s != a && s != b {
					t.Fatalf("stringList(%v) invented %q", v, s)
				}
			}
		}
	})
}
