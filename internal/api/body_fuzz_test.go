package api

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCheckJSON: the JSON API's body check never panics; what it accepts
// as a well-formed object has no repeated key, no NUL and valid UTF-8;
// what it refuses names a field. The corpus is in testdata/fuzz.
func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{
		`{"name":"x"}`, `{"a":{"b":[1,"c",{"d":null}]}}`, `{"a":1,"a":2}`, `{"a":"\u0000"}`,
		"{\"a\":\"\xff\"}", `[{"x":1},{"x":1}]`, `{"d":"0000-01-01"}`, ``, `{`, `"s"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		fe := checkJSON(raw)
		if fe != nil {
			if fe.Field == "" || fe.Msg == "" {
				t.Fatalf("refusal without a field: %+v", fe)
			}
			return
		}
		if !json.Valid(raw) {
			return // the handler's decoder reports malformed JSON
		}
		if !utf8.Valid(raw) {
			t.Fatal("accepted invalid UTF-8")
		}
		var v any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("valid JSON did not decode: %v", err)
		}
		var walk func(any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				for k, x := range v {
					if strings.IndexByte(k, 0) >= 0 {
						t.Fatal("accepted a NUL in a key")
					}
					walk(x)
				}
			case []any:
				for _, x := range v {
					walk(x)
				}
			case string:
				if strings.IndexByte(v, 0) >= 0 {
					t.Fatal("accepted a NUL")
				}
			}
		}
		walk(v)
		// A repeated key would have made the decoded object smaller than
		// the number of keys read: count them token by token.
		if dup(raw) {
			t.Fatalf("accepted a repeated key: %q", raw)
		}
	})
}

func dup(raw []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var stack []map[string]bool
	expectKey := []bool{}
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, map[string]bool{})
				expectKey = append(expectKey, true)
				continue
			case '[':
				stack = append(stack, nil)
				expectKey = append(expectKey, false)
				continue
			default:
				stack, expectKey = stack[:len(stack)-1], expectKey[:len(expectKey)-1]
			}
		case string:
			if n := len(stack); n > 0 && stack[n-1] != nil && expectKey[n-1] {
				if stack[n-1][t] {
					return true
				}
				stack[n-1][t] = true
				expectKey[n-1] = false
				continue
			}
		}
		if n := len(stack); n > 0 && stack[n-1] != nil {
			expectKey[n-1] = true
		}
	}
}
