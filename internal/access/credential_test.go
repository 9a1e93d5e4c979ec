package access

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestCredentialCipher(t *testing.T) {
	a, err := NewCredentialCipher(bytes.Repeat([]byte{1}, CredentialKeySize))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewCredentialCipher(bytes.Repeat([]byte{2}, CredentialKeySize))
	sealed, err := a.Seal("grant-1", "sk_secret")
	if err != nil || !strings.HasPrefix(sealed, "v1:") || strings.Contains(sealed, "sk_secret") {
		t.Fatalf("sealed %q %v", sealed, err)
	}
	again, _ := a.Seal("grant-1", "sk_secret")
	if again == sealed {
		t.Fatal("two seals of one secret are equal: the nonce is not random")
	}
	if got, err := a.Open("grant-1", sealed); err != nil || got != "sk_secret" {
		t.Fatalf("open: %q %v", got, err)
	}
	for name, open := range map[string]func() (string, error){
		"another key":   func() (string, error) { return b.Open("grant-1", sealed) },
		"another grant": func() (string, error) { return a.Open("grant-2", sealed) },
		"clear text":    func() (string, error) { return a.Open("grant-1", "sk_secret") },
		"tampered":      func() (string, error) { return a.Open("grant-1", sealed[:len(sealed)-2]+"AA") },
	} {
		if got, err := open(); !errors.Is(err, ErrCredentialKey) || got != "" {
			t.Errorf("%s: %q %v", name, got, err)
		}
	}
	if _, err := NewCredentialCipher([]byte("short")); err == nil {
		t.Fatal("a short key was accepted")
	}
}
