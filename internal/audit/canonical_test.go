package audit

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// roundTrip is canonicalJSON without the fast path: what every event's
// details were before it, and must stay byte for byte.
func roundTrip(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var generic any
	if err := json.Unmarshal(raw, &generic); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(generic)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type status string

type change struct {
	Attr string `json:"attribute"`
	Old  string `json:"old"`
}

func TestCanonicalJSONSameBytesAsRoundTrip(t *testing.T) {
	cases := []struct {
		name  string
		v     any
		plain bool
	}{
		{"person created", map[string]any{"source": "corp", "externalIds": []string{"a", "b"},
			"attributes": map[string]string{"userName": "ann", "title": "<Chief> & \u2028"}, "status": status("active"),
			"jobFunctions": []string(nil)}, true},
		{"empty slice and nil", map[string]any{"added": []string{}, "removed": nil, "n": 3, "ok": true}, true},
		{"large integer", map[string]any{"n": int64(1) << 60}, false},
		{"float", map[string]any{"f": 0.1}, false},
		{"struct field order", map[string]any{"changes": []change{{Attr: "title", Old: "x"}}}, false},
		{"time", map[string]any{"at": time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)}, false},
		{"invalid utf-8", map[string]any{"s": "a\xffb"}, false},
		{"invalid utf-8 key", map[string]string{"a\xff": "b"}, false},
		{"bytes", map[string]any{"raw": []byte("abc")}, false},
		{"pointer", map[string]any{"p": new(int)}, true},
		{"non-string key", map[int]string{1: "a"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := canonicalJSON(tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if want := roundTrip(t, tc.v); string(got) != string(want) {
				t.Fatalf("canonicalJSON = %s, round trip = %s", got, want)
			}
			if p := plain(reflect.ValueOf(tc.v), 0); p != tc.plain {
				t.Fatalf("plain = %t, want %t", p, tc.plain)
			}
		})
	}
}

// TestAppendPlainSameBytesAsRoundTrip checks the reflection-free encoder
// against the round trip on every byte in strings and keys, non-ASCII and
// invalid text, integer bounds, nils and nesting: where it answers, the
// bytes are the round trip's, and where it does not, canonicalJSON still
// gives them.
func TestAppendPlainSameBytesAsRoundTrip(t *testing.T) {
	var values []any
	for c := range 256 {
		s := "a" + string([]byte{byte(c)}) + "z"
		values = append(values, s, map[string]string{s: s}, []string{s})
	}
	values = append(values,
		"", "Zoë \u2028 \u2029 <b>&amp;</b> \t\n\r\b\f \x00 \x7f", "\xff\xfe", "日本語",
		0, -1, 42, int64(maxExactInt-1), int64(-maxExactInt+1), int64(maxExactInt), int64(-maxExactInt), 1<<60,
		true, false, nil, []string(nil), []string{}, map[string]string(nil), map[string]any(nil), []any(nil), []any{},
		store.Status("active"),
		map[string]any{
			"source": "corp", "externalIds": []string{"b", "a"}, "status": store.Status("disabled"),
			"attributes":   map[string]string{"userName": "ann", "title": "<Chief> & \u2028", "": "empty key"},
			"jobFunctions": []string(nil), "n": 3, "ok": true, "nested": map[string]any{"x": []any{"y", 1, nil, map[string]any{}}},
		},
		map[string]any{"float": 0.5},
		map[string]any{"bytes": []byte("x")},
		map[string]any{"struct": change{Attr: "a"}},
	)
	for i, v := range values {
		got, ok := appendPlain(nil, v, 0)
		want := roundTrip(t, v)
		if ok && string(got) != string(want) {
			t.Fatalf("value %d (%#v): appendPlain = %s, round trip = %s", i, v, got, want)
		}
		if ok != plain(reflect.ValueOf(v), 0) && v != nil {
			// appendPlain answers only for plain values, though not for
			// every plain value (structs aside, it knows fewer types).
			if ok {
				t.Fatalf("value %d (%#v): appendPlain answered for a value that is not plain", i, v)
			}
		}
		if v == nil {
			continue
		}
		c, err := canonicalJSON(v)
		if err != nil {
			t.Fatal(err)
		}
		if string(c) != string(want) {
			t.Fatalf("value %d (%#v): canonicalJSON = %s, round trip = %s", i, v, c, want)
		}
	}
}

func BenchmarkCanonicalJSONPersonCreated(b *testing.B) {
	v := map[string]any{
		"source": "corp", "externalIds": []string{"2f1c6a0e-0000-4000-8000-000000000001"}, "status": store.Status("active"),
		"statusCause": `status asserted by source "corp"`, "jobFunctions": []string(nil),
		"attributes": map[string]string{"userName": "ann.smith", "email": "ann.smith@example.com", "givenName": "Ann",
			"familyName": "Smith", "displayName": "Ann Smith", "employeeNumber": "E000001", "title": "Engineer",
			"department": "Engineering", "manager": "01a23d6e-7ac7-7e82-9e70-f09f15aef47d", "status": "active"},
	}
	for b.Loop() {
		if _, err := canonicalJSON(v); err != nil {
			b.Fatal(err)
		}
	}
}
