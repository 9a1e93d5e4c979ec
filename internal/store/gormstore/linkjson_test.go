package gormstore

import (
	"encoding/json"
	"testing"
)

// TestMarshalStringMapIsJSONMarshal checks the links' attribute encoding
// gives json.Marshal's bytes on every byte in keys and values, non-ASCII
// and invalid text, and empty and nil maps.
func TestMarshalStringMapIsJSONMarshal(t *testing.T) {
	maps := []map[string]string{nil, {}, {"": ""}, {"b": "1", "a": "2", "ab": "3", "B": "4"},
		{"dn": "cn=Zoë <&> \u2028,dc=example", "x": "\xff\xfe", "\xff": "y", "日本": "語"}}
	for c := range 256 {
		s := "a" + string([]byte{byte(c)}) + "z"
		maps = append(maps, map[string]string{s: s, "k": s})
	}
	for _, m := range maps {
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if m == nil {
			want = []byte("{}") // linkToRow encodes no attributes as {}
			m = map[string]string{}
		}
		if got := marshalStringMap(m); string(got) != string(want) {
			t.Fatalf("marshalStringMap(%q) = %s, json.Marshal = %s", m, got, want)
		}
	}
}
