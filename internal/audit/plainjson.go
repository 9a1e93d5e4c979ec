package audit

import (
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/syncd-dev/syncd/internal/store"
)

// appendPlain appends v as encoding/json marshals it, for the shapes the
// identity write path and the pulls give their events' details (maps of
// strings, string slices, strings, statuses, booleans, small integers),
// without reflection; ok is false for any other shape, which then takes
// the general path. The bytes are the round trip's (tested against it):
// these are plain values (see plain).
func appendPlain(b []byte, v any, depth int) ([]byte, bool) {
	if depth > 32 {
		return b, false
	}
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), true
	case string:
		return appendPlainString(b, x)
	case store.Status:
		return appendPlainString(b, string(x))
	case bool:
		return strconv.AppendBool(b, x), true
	case int:
		return appendPlainInt(b, int64(x))
	case int64:
		return appendPlainInt(b, x)
	case []string:
		if x == nil {
			return append(b, "null"...), true
		}
		b = append(b, '[')
		for i, s := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = appendPlainString(b, s); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	case []any:
		if x == nil {
			return append(b, "null"...), true
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = appendPlain(b, e, depth+1); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	case map[string]string:
		if x == nil {
			return append(b, "null"...), true
		}
		keys := sortedMapKeys(x)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = appendPlainString(b, k); !ok {
				return b, false
			}
			b = append(b, ':')
			if b, ok = appendPlainString(b, x[k]); !ok {
				return b, false
			}
		}
		return append(b, '}'), true
	case map[string]any:
		if x == nil {
			return append(b, "null"...), true
		}
		keys := sortedMapKeys(x)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = appendPlainString(b, k); !ok {
				return b, false
			}
			b = append(b, ':')
			if b, ok = appendPlain(b, x[k], depth+1); !ok {
				return b, false
			}
		}
		return append(b, '}'), true
	}
	return b, false
}

func sortedMapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func appendPlainInt(b []byte, n int64) ([]byte, bool) {
	if n <= -maxExactInt || n >= maxExactInt {
		return b, false
	}
	return strconv.AppendInt(b, n, 10), true
}

// appendPlainString quotes s as encoding/json does
// (store.AppendJSONString); invalid UTF-8, which the round trip would
// change, is not plain.
func appendPlainString(b []byte, s string) ([]byte, bool) {
	if !utf8.ValidString(s) {
		return b, false
	}
	return store.AppendJSONString(b, s), true
}
