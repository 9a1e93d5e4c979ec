package evidence

import (
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// benchItems is the campaign size of BenchmarkCampaignExport
// (EVIDENCE_BENCH_ITEMS, default 1,000,000).
func benchItems(b *testing.B) int64 {
	if v := os.Getenv("EVIDENCE_BENCH_ITEMS"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	return 1_000_000
}

// BenchmarkCampaignExport measures, in one run, the campaign workbook of a
// synthetic campaign (raw: the same cells through a plain excelize
// StreamWriter, no neutralising, hashing, tables or Manifest; export: the
// real thing) and the verification of the exported file. bench/evidence.sh
// runs each alone under /usr/bin/time for its peak RSS.
func BenchmarkCampaignExport(b *testing.B) {
	n := benchItems(b)
	src := newSynthCampaign(n)
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	dir := b.TempDir()
	if d := os.Getenv("EVIDENCE_BENCH_DIR"); d != "" {
		dir = d
	}
	out := filepath.Join(dir, "campaign.xlsx")
	export := func(b *testing.B, raw bool, path string) {
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		ex := &Exporter{Key: key, Generator: "bench", Now: func() time.Time { return src.base }, raw: raw}
		if err := ex.ExportCampaign(context.Background(), src, synthID, nil, f); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("raw", func(b *testing.B) {
		for b.Loop() {
			export(b, true, filepath.Join(dir, "raw.xlsx"))
		}
	})
	b.Run("export", func(b *testing.B) {
		for b.Loop() {
			export(b, false, out)
		}
	})
	b.Run("verify", func(b *testing.B) {
		if _, err := os.Stat(out); err != nil {
			export(b, false, out)
		}
		for b.Loop() {
			f, err := os.Open(out)
			if err != nil {
				b.Fatal(err)
			}
			st, _ := f.Stat()
			if _, err := Verify(context.Background(), f, st.Size(), VerifyOptions{PublicKey: key.Public().(ed25519.PublicKey)}); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
	})
}

// TestSynthCampaignExportVerifies keeps the benchmark's source honest on
// a small campaign: the export verifies and has every sheet's rows.
func TestSynthCampaignExportVerifies(t *testing.T) {
	src := newSynthCampaign(3000)
	key := testKey(t, 9)
	path := filepath.Join(t.TempDir(), "synth.xlsx")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	ex := &Exporter{Key: key, Generator: "bench", Now: func() time.Time { return src.base }}
	if err := ex.ExportCampaign(t.Context(), src, synthID, nil, f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	rep, err := verifyFile(t, path, VerifyOptions{PublicKey: key.Public().(ed25519.PublicKey)})
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]int{}
	for _, s := range rep.Sheets {
		rows[s.Name] = s.Rows
	}
	// Header plus: every item; every decided item (98%); revoked (10%);
	// every item but the 297 whose revoke was verified, the 3 grants
	// granted after launch and the 9 footer rows (the blank row before
	// them holds no cell);
	// requested items (a third) and the 20 extensions of them.
	for name, want := range map[string]int{"Population at launch": 3001, "Decisions": 2941, "Remediation": 301, "Population after remediation": 3001 - 297 + 3 + 9, "Requests and approvals": 1001 + 20} {
		if rows[name] != want {
			t.Errorf("%s: %d rows, want %d", name, rows[name], want)
		}
	}
}
