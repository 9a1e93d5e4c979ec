package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/syncd-dev/syncd/internal/evidence"
)

// demoEvidenceKey makes sure the demo's data directory has an evidence
// signing key (generated on first run, kept with the demo database) and
// returns its path, so evidence export works out of the box.
func demoEvidenceKey(dir string) (string, error) {
	p := filepath.Join(dir, "evidence-signing.pem")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("demo evidence key: %w", err)
	}
	priv, _, err := evidence.GenerateKey()
	if err != nil {
		return "", err
	}
	if err := writeNewFile(p, priv, 0o600); err != nil && !errors.Is(err, os.ErrExist) {
		return "", fmt.Errorf("demo evidence key: %w", err)
	}
	return p, nil
}
