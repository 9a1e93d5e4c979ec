package evidence

import (
	"context"
	"crypto/ed25519"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// libreOffice converts path to format ("pdf", "xlsx") with headless
// LibreOffice in a fresh profile (parallel runs do not share one) and
// returns the converted file's path.
func libreOffice(t *testing.T, path, format string) string {
	t.Helper()
	bin, err := exec.LookPath("soffice")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("soffice not installed (scripts/test-all.sh installs libreoffice-calc)")
		}
		t.Skip("soffice not installed (scripts/test-all.sh installs libreoffice-calc)")
	}
	profile := t.TempDir()
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-env:UserInstallation=file://"+profile, "--headless", "--norestore",
		"--convert-to", format, "--outdir", out, path)
	cmd.Env = append(os.Environ(), "HOME="+profile)
	msg, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("soffice --convert-to %s: %v\n%s", format, err, msg)
	}
	conv := filepath.Join(out, strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))+"."+format)
	if _, err := os.Stat(conv); err != nil {
		t.Fatalf("soffice --convert-to %s wrote nothing: %v\n%s", format, err, msg)
	}
	return conv
}

// pdfText renders a PDF's text with pdftotext (poppler-utils).
func pdfText(t *testing.T, pdf string) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext not installed (scripts/test-all.sh installs poppler-utils)")
		}
		t.Skip("pdftotext not installed (scripts/test-all.sh installs poppler-utils)")
	}
	out, err := exec.Command("pdftotext", "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func TestLibreOfficeResaveVerifies(t *testing.T) {
	key := testKey(t, 1)
	path := writeSample(t, key, nil)
	resaved := libreOffice(t, path, "xlsx")
	rep, err := verifyFile(t, resaved, VerifyOptions{PublicKey: key.Public().(ed25519.PublicKey)})
	if err != nil {
		t.Fatalf("a LibreOffice re-save of an unedited workbook: %v", err)
	}
	if !rep.SignatureChecked || len(rep.Sheets) != 2 {
		t.Fatalf("report %+v", rep)
	}
}

func TestLibreOfficeRendersPDF(t *testing.T) {
	path := writeSample(t, testKey(t, 1), nil)
	text := pdfText(t, libreOffice(t, path, "pdf"))
	for _, want := range []string{"People", "Notes", "Manifest", "Person id", "Ada Lovelace", "'=HYPERLINK", "Signature (Ed25519, base64)", "2026-11-30 09:15:30"} {
		if !strings.Contains(text, want) {
			t.Errorf("rendered PDF lacks %q", want)
		}
	}
}
