package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"testing"
)

// TestCanonicalGolden pins the canonical form the README documents: the
// bytes of a few rows and their SHA-256. Changing either breaks every
// workbook already handed to an auditor.
func TestCanonicalGolden(t *testing.T) {
	rows := []struct {
		num   int
		cells []cell
	}{
		{1, []cell{{kindText, "Person id"}, {kindText, "Name"}, {kindText, "Decided at"}}},
		{2, []cell{{kindText, "p-1"}, {kindText, "Zoë"}, {kindNumber, mustNumber(t, "46356.3857638889")}}},
		{3, []cell{}},                       // empty: left out
		{4, []cell{{}, {kindText, ""}, {}}}, // only empty cells: left out
		{5, []cell{{kindText, "p-2"}, {}, {kindNumber, mustNumber(t, "0.30000000000000004")}, {}}},
		{7, []cell{{kindText, "'=1+1"}, {kindBool, "1"}, {kindFormula, "SUM(A1:A2)"}, {kindError, "#N/A"}}},
		{9, []cell{{kindNumber, mustNumber(t, "1E-7")}, {kindNumber, mustNumber(t, "-0")}, {kindNumber, mustNumber(t, "123456789012345678")}}},
	}
	var b []byte
	for _, r := range rows {
		b, _ = appendRow(b, r.num, r.cells)
	}
	golden, err := os.ReadFile("testdata/canonical.golden")
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != string(golden) {
		t.Fatalf("canonical bytes:\n%s\nwant:\n%s", b, golden)
	}
	sum := sha256.Sum256(b)
	const want = "c1e21970dc64aa3122a3907f4ed7bc8dd4dc633f386fd55cb708e41ac9e6207d"
	if got := hex.EncodeToString(sum[:]); got != want {
		t.Fatalf("sha256 = %s, want %s", got, want)
	}
}

func mustNumber(t *testing.T, s string) string {
	t.Helper()
	n, err := canonicalNumber(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCanonicalNumber(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"3", "3"},
		{"3.0", "3"},
		{"0.30000000000000004", "0.3"},
		{"46356.385763888889", "46356.3857638889"},
		{"46356.3857638889", "46356.3857638889"},
		{"1E-7", "0.0000001"},
		{"1.5e3", "1500"},
		{"-0", "0"},
		{"123456789012345678", "123456789012346000"},
	} {
		got, err := canonicalNumber(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("canonicalNumber(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "abc", "NaN", "Inf"} {
		if _, err := canonicalNumber(bad); err == nil {
			t.Errorf("canonicalNumber(%q) accepted", bad)
		}
	}
}
