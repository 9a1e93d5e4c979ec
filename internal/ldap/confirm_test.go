package ldap

import (
	"bytes"
	"testing"
)

// TestParseGUIDInvertsFormatGUID: the objectGUID lookup that confirms an
// AD absence must search for the bytes the id was read from.
func TestParseGUIDInvertsFormatGUID(t *testing.T) {
	raw := []byte{0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}
	s, err := FormatGUID(raw)
	if err != nil {
		t.Fatal(err)
	}
	back, err := parseGUID(s)
	if err != nil || !bytes.Equal(back, raw) {
		t.Fatalf("parseGUID(%s) = %x %v, want %x", s, back, err, raw)
	}
	src := &Source{m: Mapping{ID: "objectGUID"}}
	f, err := src.idAssertion(s)
	if err != nil || f != `(objectGUID=\10\32\54\76\98\ba\dc\fe\01\23\45\67\89\ab\cd\ef)` {
		t.Fatalf("filter %s %v", f, err)
	}
	for _, bad := range []string{"", "not-a-guid", "76543210-ba98-fedc-0123-456789abcdeg"} {
		if _, err := parseGUID(bad); err == nil {
			t.Errorf("parseGUID(%q) accepted", bad)
		}
	}
}
