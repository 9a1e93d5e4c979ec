package evidence

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
)

// GenerateKey makes a new Ed25519 signing key and returns it PEM-encoded
// (PKCS#8, "PRIVATE KEY") with its public key.
func GenerateKey() (privatePEM []byte, pub ed25519.PublicKey, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("evidence: generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, fmt.Errorf("evidence: encode key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), pub, nil
}

// PublicKeyPEM encodes pub as a PEM "PUBLIC KEY" (PKIX), the form verify
// --public-key reads.
func PublicKeyPEM(pub ed25519.PublicKey) []byte {
	der, _ := x509.MarshalPKIXPublicKey(pub)
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// PublicKeyBase64 is pub's raw 32 bytes in standard base64, as the Manifest
// shows it.
func PublicKeyBase64(pub ed25519.PublicKey) string {
	return base64.StdEncoding.EncodeToString(pub)
}

// LoadPrivateKey reads a PKCS#8 PEM Ed25519 private key file.
func LoadPrivateKey(path string) (ed25519.PrivateKey, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("evidence: signing key: %w", err)
	}
	return ParsePrivateKey(raw)
}

// ParsePrivateKey parses a PKCS#8 PEM Ed25519 private key.
func ParsePrivateKey(raw []byte) (ed25519.PrivateKey, error) {
	blk, _ := pem.Decode(raw)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, errors.New("evidence: signing key: not a PEM \"PRIVATE KEY\" (PKCS#8)")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("evidence: signing key: %w", err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("evidence: signing key: %T is not Ed25519", k)
	}
	return priv, nil
}

// LoadPublicKey reads the key verify checks signatures against: a PEM
// "PUBLIC KEY" (PKIX), or a private key file, whose public half is used.
func LoadPublicKey(path string) (ed25519.PublicKey, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("evidence: public key: %w", err)
	}
	blk, _ := pem.Decode(raw)
	if blk == nil {
		// The raw key in base64, as keygen prints it and the Manifest shows it.
		pub, err := keyFromBase64(strings.TrimSpace(string(raw)))
		if err != nil {
			return nil, fmt.Errorf("evidence: public key %s: neither PEM nor base64", path)
		}
		return pub, nil
	}
	switch blk.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("evidence: public key %s: %w", path, err)
		}
		pub, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("evidence: public key %s: %T is not Ed25519", path, k)
		}
		return pub, nil
	case "PRIVATE KEY":
		priv, err := ParsePrivateKey(raw)
		if err != nil {
			return nil, err
		}
		return priv.Public().(ed25519.PublicKey), nil
	}
	return nil, fmt.Errorf("evidence: public key %s: PEM type %q is not a key", path, blk.Type)
}
