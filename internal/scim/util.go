package scim

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// isEmpty: Entra clears an attribute by replacing it with null or "".
func isEmpty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case []any:
		return len(v) == 0
	}
	return false
}

func asSlice(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	case []map[string]any:
		out := make([]any, len(v))
		for i, m := range v {
			out[i] = m
		}
		return out
	}
	return []any{v}
}

// dedupe appends add to cur, skipping elements already present (members by
// value, everything else by deep equality).
func dedupe(attr string, cur, add []any) []any {
	out := append([]any(nil), cur...)
	for _, e := range add {
		if !containsElem(attr, out, e) {
			out = append(out, e)
		}
	}
	return out
}

func containsElem(attr string, list []any, e any) bool {
	for _, x := range list {
		if sameElem(attr, x, e) {
			return true
		}
	}
	return false
}

func sameElem(attr string, a, b any) bool {
	if attr == "members" || attr == "groups" {
		am, aok := a.(map[string]any)
		bm, bok := b.(map[string]any)
		if aok && bok {
			return fmt.Sprint(getFold(am, "value")) == fmt.Sprint(getFold(bm, "value"))
		}
	}
	return reflect.DeepEqual(a, b)
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func getFold(m map[string]any, k string) any {
	if v, ok := m[k]; ok {
		return v
	}
	for mk, v := range m {
		if strings.EqualFold(mk, k) {
			return v
		}
	}
	return nil
}

func deleteFold(m map[string]any, k string) {
	for mk := range m {
		if strings.EqualFold(mk, k) {
			delete(m, mk)
		}
	}
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, x := range v {
			s[i] = deepCopy(x)
		}
		return s
	}
	return v
}
