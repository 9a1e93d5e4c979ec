package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/evidence"
	"github.com/syncd-dev/syncd/internal/store"
)

// cmdEvidenceKeygen writes a new signing key and prints its public key
// (PEM on stdout, so it can be redirected to a file for verify --public-key).
func cmdEvidenceKeygen(_ context.Context, e env, args []string) int {
	var out string
	if _, code := flags(e, "evidence keygen", args, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "out", "", "file to write the private key to (PKCS#8 PEM); must not exist")
	}); code >= 0 {
		return code
	}
	if out == "" {
		fmt.Fprintln(e.stderr, "syncd evidence keygen: --out is required")
		return exitUsage
	}
	priv, pub, err := evidence.GenerateKey()
	if err == nil {
		err = writeNewFile(out, priv, 0o600)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd evidence keygen: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(e.stdout, "%s", evidence.PublicKeyPEM(pub))
	fmt.Fprintf(e.stderr, "wrote %s; public key (base64, as the Manifest shows it): %s\nset evidence.signingKeyFile to it; give auditors the public key above\n", out, evidence.PublicKeyBase64(pub))
	return exitOK
}

// writeNewFile writes data to a new file, never over an existing one.
func writeNewFile(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// cmdEvidenceExport writes a campaign's or a period's requests workbook.
func cmdEvidenceExport(ctx context.Context, e env, args []string) int {
	var path, out, campaign, from, to string
	var requests bool
	if _, code := flags(e, "evidence export", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "configuration file")
		fs.StringVar(&out, "out", "", "workbook to write (.xlsx)")
		fs.StringVar(&campaign, "campaign", "", "campaign ID")
		fs.BoolVar(&requests, "requests", false, "access-request evidence of a period (--from, --to)")
		fs.StringVar(&from, "from", "", "first day (2026-01-01) or RFC 3339 time, inclusive")
		fs.StringVar(&to, "to", "", "last bound (2026-02-01) or RFC 3339 time, exclusive")
	}); code >= 0 {
		return code
	}
	if out == "" || (campaign == "") == !requests || (requests && (from == "" || to == "")) {
		fmt.Fprintln(e.stderr, "syncd evidence export: --out and either --campaign ID or --requests --from DATE --to DATE are required")
		return exitUsage
	}
	fromT, toT := parseDates(e, from, to, requests)
	if requests && (fromT.IsZero() || toT.IsZero()) {
		return exitUsage
	}
	st, cfg, code := openMigrated(ctx, e, "evidence export", path)
	if code >= 0 {
		return code
	}
	defer st.Close()
	ex, err := cfg.evidenceExporter()
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd evidence export: %v\n", err)
		return exitUsage
	}
	err = writeAtomically(out, func(w io.Writer) error {
		if requests {
			return st.InSnapshot(ctx, func(tx store.Reader) error { return ex.ExportRequests(ctx, tx, fromT, toT, w) })
		}
		return exportCampaign(ctx, cfg, ex, st, campaign, w)
	})
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd evidence export: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(e.stderr, "wrote %s\n", out)
	return exitOK
}

func parseDates(e env, from, to string, needed bool) (f, t time.Time) {
	if !needed {
		return
	}
	var err error
	if f, err = evidence.ParseDate(from); err != nil {
		fmt.Fprintf(e.stderr, "syncd evidence export: --from: %v\n", err)
		return time.Time{}, time.Time{}
	}
	if t, err = evidence.ParseDate(to); err != nil {
		fmt.Fprintf(e.stderr, "syncd evidence export: --to: %v\n", err)
		return time.Time{}, time.Time{}
	}
	return f, t
}

// evidenceExporter is the exporter the configuration's key signs with.
func (c Config) evidenceExporter() (*evidence.Exporter, error) {
	if c.Evidence.resolved == "" {
		return nil, errors.New("evidence.signingKeyFile is not set (create a key with: syncd evidence keygen --out FILE)")
	}
	key, err := evidence.LoadPrivateKey(c.Evidence.resolved)
	if err != nil {
		return nil, err
	}
	return &evidence.Exporter{Key: key, Generator: "syncd " + versionString()}, nil
}

// writeAtomically writes to a temporary file beside path and renames it
// into place, so a failed export never leaves half a workbook.
func writeAtomically(path string, fn func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := fn(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// cmdEvidenceVerify checks a workbook offline; with a configuration it
// also takes the public key from the configured signing key and checks the
// recorded chain head against the store.
func cmdEvidenceVerify(ctx context.Context, e env, args []string) int {
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	var path, pubFile string
	_, code := flags(e, "evidence verify", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "configuration file: its signing key's public half and its store's audit chain")
		fs.StringVar(&pubFile, "public-key", "", "public key file (PEM, or base64 as keygen prints it)")
	})
	if code >= 0 {
		return code
	}
	if file == "" {
		fmt.Fprintln(e.stderr, "syncd evidence verify: FILE.xlsx is required")
		return exitUsage
	}
	var opts evidence.VerifyOptions
	if pubFile != "" {
		pub, err := evidence.LoadPublicKey(pubFile)
		if err != nil {
			fmt.Fprintf(e.stderr, "syncd evidence verify: %v\n", err)
			return exitUsage
		}
		opts.PublicKey = pub
	}
	if path != "" {
		st, cfg, code := openMigrated(ctx, e, "evidence verify", path)
		if code >= 0 {
			return code
		}
		defer st.Close()
		if opts.PublicKey == nil && cfg.Evidence.resolved != "" {
			priv, err := evidence.LoadPrivateKey(cfg.Evidence.resolved)
			if err != nil {
				fmt.Fprintf(e.stderr, "syncd evidence verify: %v\n", err)
				return exitUsage
			}
			opts.PublicKey = priv.Public().(ed25519.PublicKey)
		}
		opts.Chain = evidence.ChainStore{Audit: st}
	}
	f, err := os.Open(file)
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd evidence verify: %v\n", err)
		return exitFailure
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd evidence verify: %v\n", err)
		return exitFailure
	}
	rep, err := evidence.Verify(ctx, f, info.Size(), opts)
	var te *evidence.TamperError
	switch {
	case errors.As(err, &te):
		fmt.Fprintf(e.stdout, "FAIL: %v\n", te)
		return exitFailure
	case err != nil:
		fmt.Fprintf(e.stdout, "FAIL: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(e.stdout, "workbook: %s\ngenerated: %s by %s\n", rep.Title, rep.GeneratedAt, rep.Generator)
	for _, s := range rep.Sheets {
		fmt.Fprintf(e.stdout, "ok  %-30s %8d rows  sha256 %s\n", s.Name, s.Rows, s.SHA256)
	}
	if rep.SignatureChecked {
		fmt.Fprintf(e.stdout, "signature: valid (Ed25519, key %s)\n", rep.SigningKey)
	} else {
		fmt.Fprintf(e.stdout, "signature: NOT CHECKED (no public key given; the Manifest names key %s) - the sheet hashes hold, but without the key anyone could have recomputed them\n", rep.SigningKey)
	}
	if rep.ChainChecked {
		fmt.Fprintf(e.stdout, "audit chain: head at export (event %d) is in the current chain\n", rep.ChainHead.Seq)
	} else {
		fmt.Fprintf(e.stdout, "audit chain: not checked (no --config); head at export was event %d, hash %s\n", rep.ChainHead.Seq, rep.ChainHead.Hash)
	}
	return exitOK
}

// exportCampaign writes a campaign's workbook; item owners come from the
// catalog in force (an empty catalog leaves them blank). The Population
// after remediation is the one stored at the campaign's close; without
// one, the campaign engine evaluates the scope at export.
func exportCampaign(ctx context.Context, cfg Config, ex *evidence.Exporter, st store.Store, id string, w io.Writer) error {
	population, err := cfg.evidencePopulation(ctx, st)
	if err != nil {
		return fmt.Errorf("evidence: campaign definitions: %w", err)
	}
	withScope := *ex
	withScope.Population = population
	catalog := cfg.evidenceCatalog(ctx, st)
	// One snapshot: counts, items, decisions and the audit chain agree
	// whatever commits during the export.
	return st.InSnapshot(ctx, func(tx store.Reader) error {
		return withScope.ExportCampaign(ctx, tx, id, catalog, w)
	})
}

// evidenceCatalog looks catalog items up in the catalog in force.
func (c Config) evidenceCatalog(ctx context.Context, st store.Tx) func(string) (evidence.CatalogItem, bool) {
	items := map[string]evidence.CatalogItem{}
	if len(c.Catalog.Files) > 0 {
		if cat, errs := c.Catalog.effectiveCatalog(ctx, st); len(errs) == 0 && cat != nil {
			for _, it := range cat.Items {
				items[it.ID] = evidence.CatalogItem{Name: it.Name, OwnerID: it.OwnerID}
			}
		}
	}
	return func(id string) (evidence.CatalogItem, bool) {
		it, ok := items[id]
		return it, ok
	}
}

// campaignEvidence serves campaign workbooks to the web UI and the API.
type campaignEvidence struct {
	cfg Config
	ex  *evidence.Exporter
	st  store.Store
}

// ExportCampaign implements api.EvidenceExporter and
// webui.EvidenceExporter.
func (c campaignEvidence) ExportCampaign(ctx context.Context, id string, w io.Writer) error {
	return exportCampaign(ctx, c.cfg, c.ex, c.st, id, w)
}

// campaignEvidence is the evidence download of serve; nil (no route)
// without a signing key.
func (d *daemon) campaignEvidence() *campaignEvidence {
	ex, err := d.cfg.evidenceExporter()
	if err != nil {
		if d.cfg.Evidence.SigningKeyFile != "" {
			d.logger.Error("evidence downloads are off", "err", err)
		}
		return nil
	}
	return &campaignEvidence{cfg: d.cfg, ex: ex, st: d.store}
}
