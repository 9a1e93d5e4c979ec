package audit

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
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
