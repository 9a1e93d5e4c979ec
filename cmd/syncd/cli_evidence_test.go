package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

func TestEvidenceCommands(t *testing.T) {
	forEachDB(t, func(t *testing.T, driver, dsn string) {
		dir := t.TempDir()
		keyFile := filepath.Join(dir, "signing.pem")
		code, pubPEM, errOut := cli(t, noEnv, "evidence", "keygen", "--out", keyFile)
		if code != 0 || !strings.HasPrefix(pubPEM, "-----BEGIN PUBLIC KEY-----") {
			t.Fatalf("keygen: %d %q %q", code, pubPEM, errOut)
		}
		if code, _, _ := cli(t, noEnv, "evidence", "keygen", "--out", keyFile); code != exitFailure {
			t.Fatalf("keygen over an existing key: exit %d", code)
		}
		pubFile := filepath.Join(dir, "signing.pub")
		if err := os.WriteFile(pubFile, []byte(pubPEM), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg := writeConfig(t, driver, dsn, true)
		noKeyCfg := cfg
		cfg = withEvidenceKey(t, cfg, keyFile)

		out := filepath.Join(dir, "requests.xlsx")
		if code, _, errOut := cli(t, noEnv, "evidence", "export", "--config", noKeyCfg, "--requests", "--from", "2026-10-01", "--to", "2026-11-01", "--out", out); code != exitUsage || !strings.Contains(errOut, "evidence.signingKeyFile is not set") {
			t.Fatalf("export without a key: %d %q", code, errOut)
		}
		if code, _, _ := cli(t, noEnv, "evidence", "export", "--config", cfg, "--requests", "--from", "2026-10-01", "--out", out); code != exitUsage {
			t.Fatalf("export without --to: %d", code)
		}
		st := openForTest(t, driver, dsn)
		p, err := st.CreatePerson(t.Context(), store.Person{UserName: "eve", DisplayName: "=HYPERLINK(\"http://x\")", Status: store.StatusActive})
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 10, 5, 8, 0, 0, 0, time.UTC)
		r, err := st.CreateRequest(t.Context(), store.AccessRequest{ItemID: "reports", RequesterID: p.ID, BeneficiaryID: p.ID, Justification: "close",
			Start: at, End: at.Add(time.Hour), State: store.RequestDenied, CatalogVersion: "v1", CreatedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := audit.Append(t.Context(), st, at, audit.Entry{Actor: "person:" + p.ID, Action: "request.submitted", Target: "request:" + r.ID}); err != nil {
			t.Fatal(err)
		}

		code, _, errOut = cli(t, noEnv, "evidence", "export", "--config", cfg, "--requests", "--from", "2026-10-01", "--to", "2026-11-01", "--out", out)
		if code != 0 {
			t.Fatalf("export: %d %q", code, errOut)
		}
		code, vout, _ := cli(t, noEnv, "evidence", "verify", out, "--public-key", pubFile)
		if code != 0 || !strings.Contains(vout, "signature: valid") || !strings.Contains(vout, "Requests and approvals") {
			t.Fatalf("verify with key: %d %q", code, vout)
		}
		code, vout, _ = cli(t, noEnv, "evidence", "verify", out)
		if code != 0 || !strings.Contains(vout, "signature: NOT CHECKED") {
			t.Fatalf("verify without key: %d %q", code, vout)
		}
		code, vout, _ = cli(t, noEnv, "evidence", "verify", out, "--config", cfg)
		if code != 0 || !strings.Contains(vout, "signature: valid") || !strings.Contains(vout, "is in the current chain") {
			t.Fatalf("verify with config: %d %q", code, vout)
		}

		// Edit one cell the way a spreadsheet user would.
		f, err := excelize.OpenFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.SetCellStr("Requests and approvals", "L2", "approved"); err != nil {
			t.Fatal(err)
		}
		if err := f.Save(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		code, vout, _ = cli(t, noEnv, "evidence", "verify", out, "--public-key", pubFile)
		if code != exitFailure || !strings.Contains(vout, `FAIL: sheet "Requests and approvals", row 2`) {
			t.Fatalf("verify after an edit: %d %q", code, vout)
		}
		if code, _, _ := cli(t, noEnv, "evidence", "verify"); code != exitUsage {
			t.Fatalf("verify without a file: %d", code)
		}
	})
}

// withEvidenceKey appends an evidence section to a configuration.
func withEvidenceKey(t *testing.T, cfg, key string) string {
	t.Helper()
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "syncd-evidence.yaml")
	if err := os.WriteFile(p, append(b, []byte("evidence:\n  signingKeyFile: "+key+"\n")...), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
