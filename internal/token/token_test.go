package token

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	good := prefix + "0123456789abcdef_" + strings.Repeat("A", 43)
	tests := []struct {
		name, secret string
		ok           bool
	}{
		{"well formed", good, true},
		{"underscore in body", prefix + "0123456789abcdef_" + strings.Repeat("_", 43), true},
		{"empty", "", false},
		{"no prefix", strings.TrimPrefix(good, prefix), false},
		{"short id", prefix + "0123_" + strings.Repeat("A", 43), false},
		{"non-hex id", prefix + "0123456789abcdeg_" + strings.Repeat("A", 43), false},
		{"short body", prefix + "0123456789abcdef_" + strings.Repeat("A", 42), false},
		{"no separator", prefix + "0123456789abcdef" + strings.Repeat("A", 44), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := parse(tc.secret); ok != tc.ok {
				t.Fatalf("parse(%q) ok = %v, want %v", tc.secret, ok, tc.ok)
			}
		})
	}
}

func TestHashIsNotTheSecret(t *testing.T) {
	h := hash("syncd_x")
	if len(h) != 32 || strings.Contains(string(h), "syncd_x") {
		t.Fatalf("hash %x", h)
	}
}
