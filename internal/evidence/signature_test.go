package evidence

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"testing"
)

// TestSignatureCellSurvivesNeutralising: about one signature in 64 starts
// with '+' in base64, and SafeText writes it as "'+…"; reading it back
// must give the same signature.
func TestSignatureCellSurvivesNeutralising(t *testing.T) {
	var sig []byte
	for i := 0; ; i++ {
		_, key, err := ed25519.GenerateKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		sig = ed25519.Sign(key, []byte{byte(i)})
		if base64.StdEncoding.EncodeToString(sig)[0] == '+' {
			break
		}
	}
	cell := SafeText(base64.StdEncoding.EncodeToString(sig))
	if cell[0] != '\'' {
		t.Fatalf("SafeText left %q as it was", cell)
	}
	got, err := decodeSignature(cell)
	if err != nil || !bytes.Equal(got, sig) {
		t.Fatalf("decodeSignature(%q) = %x, %v; want %x", cell, got, err, sig)
	}
}
