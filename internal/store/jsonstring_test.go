package store_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/syncd-dev/syncd/internal/store"
)

// TestAppendJSONStringIsJSONMarshal: every single byte, and strings
// around each, quote as json.Marshal quotes them.
func TestAppendJSONStringIsJSONMarshal(t *testing.T) {
	cases := []string{"", "plain", "Zoë", "日本", "a\u2028b", "<&>", "\"q\\", "\xff\xfe", "tab\there", strings.Repeat("x", 300)}
	for c := 0; c < 256; c++ {
		cases = append(cases, string([]byte{byte(c)}), "a"+string([]byte{byte(c)})+"z")
	}
	for _, s := range cases {
		want, _ := json.Marshal(s)
		if got := store.AppendJSONString([]byte("prefix:"), s); string(got) != "prefix:"+string(want) {
			t.Fatalf("%q: got %s, want prefix:%s", s, got, want)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "a", "\x00", "\xff", "<script>", "é", "\u2029"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := store.AppendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}
