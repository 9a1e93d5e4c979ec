package access

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// CredentialKeySize is the size of a credential key: AES-256.
const CredentialKeySize = 32

// sealedPrefix marks a sealed credential (version 1: AES-256-GCM, a
// 12-byte random nonce, the grant id as additional data).
const sealedPrefix = "v1:"

// CredentialCipher seals an issued credential while it waits for its one
// retrieval, so the database never holds it in clear text. Each sealed
// value is bound to its grant (the grant id is GCM's additional data): a
// value copied onto another grant's row does not open.
type CredentialCipher struct {
	aead cipher.AEAD
}

// NewCredentialCipher returns a cipher over key (CredentialKeySize bytes).
func NewCredentialCipher(key []byte) (*CredentialCipher, error) {
	if len(key) != CredentialKeySize {
		return nil, fmt.Errorf("access: credential key: %d bytes, want %d", len(key), CredentialKeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("access: credential key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("access: credential key: %w", err)
	}
	return &CredentialCipher{aead: aead}, nil
}

// processCipher is the cipher when none is configured: a random key that
// lives only in this process's memory. Credentials stay encrypted at rest,
// but one issued before a restart (or by another replica) can no longer
// be retrieved; configure a key (access.credentialKeyEnv) to share one.
var processCipher = sync.OnceValue(func() *CredentialCipher {
	key := make([]byte, CredentialKeySize)
	if _, err := rand.Read(key); err != nil {
		panic("access: credential key: " + err.Error())
	}
	c, err := NewCredentialCipher(key)
	if err != nil {
		panic(err)
	}
	return c
})

func cipherOr(c *CredentialCipher) *CredentialCipher {
	if c == nil {
		return processCipher()
	}
	return c
}

// Seal encrypts secret for grantID.
func (c *CredentialCipher) Seal(grantID, secret string) (string, error) {
	nonce := make([]byte, c.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("access: seal credential: %w", err)
	}
	out := c.aead.Seal(nonce, nonce, []byte(secret), []byte(grantID))
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// ErrCredentialKey: a sealed credential does not open with this key (or
// belongs to another grant).
var ErrCredentialKey = errors.New("access: the credential does not open with the configured key")

// Open decrypts a value Seal made for grantID.
func (c *CredentialCipher) Open(grantID, sealed string) (string, error) {
	raw, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		return "", fmt.Errorf("access: open credential: not a sealed value: %w", ErrCredentialKey)
	}
	b, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil || len(b) < c.aead.NonceSize() {
		return "", fmt.Errorf("access: open credential: malformed: %w", ErrCredentialKey)
	}
	n := c.aead.NonceSize()
	plain, err := c.aead.Open(nil, b[:n], b[n:], []byte(grantID))
	if err != nil {
		return "", ErrCredentialKey
	}
	return string(plain), nil
}
