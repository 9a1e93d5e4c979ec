package main

import (
	"path/filepath"

	"github.com/syncd-dev/syncd/internal/evidence"
)

// EvidenceConfig is the evidence workbooks' signing key: a PKCS#8 PEM
// Ed25519 private key (`syncd evidence keygen --out FILE` makes one). A
// relative path is relative to the configuration file.
//
//	evidence:
//	  signingKeyFile: /etc/syncd/evidence-signing.pem
type EvidenceConfig struct {
	SigningKeyFile string `yaml:"signingKeyFile"`

	resolved string // the path after resolving against the config's directory
}

// validateEvidence checks the signing key parses when one is configured.
func (c *Config) validateEvidence() ConfigErrors {
	var errs ConfigErrors
	if c.Evidence.SigningKeyFile == "" {
		return nil
	}
	p := c.Evidence.SigningKeyFile
	if !filepath.IsAbs(p) && c.Catalog.dir != "" {
		// Catalog.dir is the configuration file's directory.
		p = filepath.Join(c.Catalog.dir, p)
	}
	if _, err := evidence.LoadPrivateKey(p); err != nil {
		errs = append(errs, FieldError{Path: "evidence.signingKeyFile", Msg: err.Error()})
	}
	c.Evidence.resolved = p
	return errs
}
