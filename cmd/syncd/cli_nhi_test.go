package main

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
)

// nhiConfig writes a configuration with an nhi section.
func nhiConfig(t *testing.T, driver, dsn string) string {
	t.Helper()
	path := writeConfig(t, driver, dsn, true)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("nhi:\n  schedule: 1h\n  thresholds:\n    - kind: api-key\n      environment: prod\n      rotateAfterDays: 90\n  remediation:\n    deadlineDays: 7\n    fallbackTeam: sre\n"); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestNHICommands(t *testing.T) {
	forEachDB(t, func(t *testing.T, driver, dsn string) {
		cfg := nhiConfig(t, driver, dsn)
		// An empty inventory: an empty JSON array, exit 0.
		code, out, errOut := cli(t, noEnv, "nhi", "orphans", "--config", cfg, "--format", "json")
		if code != 0 || strings.TrimSpace(out) != "[]" {
			t.Fatalf("orphans on an empty store: %d %q %q", code, out, errOut)
		}
		st := openForTest(t, driver, dsn)
		ids, err := identity.New(identity.Config{Sources: map[string]identity.SourceRole{"okta": identity.RoleIdP}}, st)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ids.Apply(t.Context(), identity.Batch{Source: "okta", Changes: []identity.Change{{Op: identity.OpUpsert,
			Record: identity.Record{ExternalID: "alice", Attributes: map[string]string{"userName": "alice", "email": "alice@example.com"}}}}}); err != nil {
			t.Fatal(err)
		}
		old := time.Now().AddDate(0, 0, -120).Format(time.DateOnly)
		csvPath := filepath.Join(t.TempDir(), "nhis.csv")
		body := "kind,name,environment,owner,rotated\n" +
			"api-key,key-old,prod,alice," + old + "\n" +
			"service-account,svc-orphan,prod,,\n" +
			"gizmo,svc-bad,prod,alice,\n" +
			"token,tok-ghost,prod,ghost,\n" +
			"token,tok-date,prod,alice,yesterday\n"
		if err := os.WriteFile(csvPath, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		code, out, errOut = cli(t, noEnv, "nhi", "import", "--config", cfg, "--file", csvPath, "--dry-run")
		if code != exitFailure || !strings.Contains(out, "dry run, nothing written: 2 created, 0 updated, 0 unchanged, 3 invalid") {
			t.Fatalf("dry run: %d %q %q", code, out, errOut)
		}
		if n, _ := st.CountNHIs(t.Context(), store.NHIQuery{}); n != 0 {
			t.Fatalf("dry run stored %d", n)
		}
		code, out, _ = cli(t, noEnv, "nhi", "import", "--config", cfg, "--file", csvPath)
		for _, want := range []string{"applied: 2 created", "3 invalid", `4     svc-bad     invalid  kind: unknown kind "gizmo"`, `5     tok-ghost   invalid  owner: "ghost" matches no person`, "6     tok-date    invalid  rotated:"} {
			if !strings.Contains(out, want) {
				t.Errorf("import output lacks %q:\n%s", want, out)
			}
		}
		if code != exitFailure {
			t.Fatalf("import with invalid rows exited %d", code)
		}

		code, out, errOut = cli(t, noEnv, "nhi", "orphans", "--config", cfg, "--format", "json")
		if code != 0 {
			t.Fatalf("orphans: %d %q", code, errOut)
		}
		var orphans []map[string]any
		if err := json.Unmarshal([]byte(out), &orphans); err != nil {
			t.Fatalf("orphans json %q: %v", out, err)
		}
		if len(orphans) != 2 {
			t.Fatalf("orphans %v", orphans)
		}
		for _, o := range orphans {
			for _, k := range []string{"id", "name", "kind", "owner", "project", "rules", "reasons"} {
				if _, ok := o[k]; !ok {
					t.Fatalf("orphan lacks %q: %v", k, o)
				}
			}
		}
		if orphans[0]["name"] != "key-old" || orphans[0]["owner"] != "alice" || orphans[0]["rules"].([]any)[0] != "rotation-overdue" {
			t.Fatalf("first orphan %v", orphans[0])
		}
		if orphans[1]["name"] != "svc-orphan" || orphans[1]["rules"].([]any)[0] != "no-owner" {
			t.Fatalf("second orphan %v", orphans[1])
		}
		code, out, _ = cli(t, noEnv, "nhi", "orphans", "--config", cfg, "--format", "csv", "--rule", "no-owner")
		if code != 0 || !strings.HasPrefix(out, "id,name,kind,environment,owner,project,rules,reasons\n") || strings.Count(out, "\n") != 2 || !strings.Contains(out, ",svc-orphan,service-account,prod,,,no-owner,no owner recorded") {
			t.Fatalf("csv: %d %q", code, out)
		}
		code, out, _ = cli(t, noEnv, "nhi", "orphans", "--config", cfg)
		if code != 0 || !strings.Contains(out, "svc-orphan") || !strings.Contains(out, "RULES") {
			t.Fatalf("table: %d %q", code, out)
		}
		if code, _, errOut := cli(t, noEnv, "nhi", "orphans", "--config", cfg, "--rule", "stale"); code != exitUsage || !strings.Contains(errOut, `--rule "stale" is unknown`) {
			t.Fatalf("unknown rule: %d %q", code, errOut)
		}
		if code, _, _ := cli(t, noEnv, "nhi", "orphans", "--config", cfg, "--format", "xml"); code != exitUsage {
			t.Fatalf("bad format exit %d", code)
		}
		code, out, _ = cli(t, noEnv, "nhi", "list", "--config", cfg, "--format", "json", "--kind", "api-key")
		var list []map[string]any
		if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0]["name"] != "key-old" {
			t.Fatalf("list: %d %q", code, out)
		}
		// The CLI's JSON is the API's shape (api.NHIDoc): fields the API
		// carries, such as created_at, are there too.
		for _, k := range []string{"id", "kind", "source", "status", "created_at", "updated_at"} {
			if _, ok := list[0][k]; !ok {
				t.Errorf("nhi list --format json lacks %q: %v", k, list[0])
			}
		}
		code, out, _ = cli(t, noEnv, "nhi", "evaluate", "--config", cfg)
		if code != 0 || !strings.Contains(out, "evaluated 2 NHIs") || !strings.Contains(out, "no-owner             1 open") {
			t.Fatalf("evaluate: %d %q", code, out)
		}
	})
}

func TestNHIConfigErrors(t *testing.T) {
	y := "nhi:\n  schedule: -1h\n  thresholds:\n    - kind: robot\n      rotateAfterDays: -3\n  remediation:\n    deadlineDays: -1\n    defaultAction: delete\n"
	_, err := parseConfig([]byte(y), noEnv)
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range []string{"nhi.schedule: must not be negative", `nhi.thresholds[0].kind: unknown kind "robot"`, "nhi.thresholds[0].rotateAfterDays: must not be negative",
		"nhi.remediation.deadlineDays: must not be negative", `nhi.remediation.defaultAction: must be flag-for-disablement or disable, got "delete"`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	if _, err := parseConfig([]byte("nhi:\n  thresholds:\n    - rotateAfterDay: 3\n"), noEnv); err == nil || !strings.Contains(err.Error(), "nhi.thresholds[0].rotateAfterDay: unknown option") {
		t.Fatalf("unknown option: %v", err)
	}
}

func TestServeWiresNHIAPIAndMetrics(t *testing.T) {
	forEachDB(t, func(t *testing.T, driver, dsn string) {
		cfg, err := loadConfig(nhiConfig(t, driver, dsn), noEnv)
		if err != nil {
			t.Fatal(err)
		}
		st := openForTest(t, driver, dsn)
		if err := ensureSchema(t.Context(), st, true); err != nil {
			t.Fatal(err)
		}
		d, err := newDaemon(t.Context(), cfg, st, newLogger(os.Stderr, LogConfig{Level: "warn"}))
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(d.mux)
		defer srv.Close()
		resp, err := http.Get(srv.URL + "/api/v1/nhis")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("/api/v1/nhis without a token: %d", resp.StatusCode)
		}
		if _, err := st.CreateNHI(t.Context(), store.NHI{Kind: store.KindToken, Name: "t", Source: "api"}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.nhi.svc.Evaluate(t.Context()); err != nil {
			t.Fatal(err)
		}
		resp, err = http.Get(srv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		_, _ = io.Copy(&b, resp.Body)
		if !strings.Contains(b.String(), `syncd_nhi_open_findings{rule="no-owner"} 1`) || !strings.Contains(b.String(), `syncd_nhi_open_findings{rule="unused"} 0`) {
			t.Fatalf("metrics:\n%s", b.String())
		}
		d.nhi.EvaluateSoon()
		d.nhi.EvaluateSoon() // coalesces, never blocks
	})
}

// TestOrphansCSVNeutralisesFormulas: the CSV export uses the product's one
// rule (evidence.SafeText), LF and tab included.
func TestOrphansCSVNeutralisesFormulas(t *testing.T) {
	var b strings.Builder
	err := writeOrphansCSV(&b, []nhi.Orphan{{ID: "n1", Name: "=HYPERLINK(\"http://x\")", Kind: "api-key", Owner: "+cmd|' /C calc'!A0", Project: "\n=1", Environment: "@SUM(1)", Rules: []string{"no-owner"}, Reasons: []string{"-2+3"}}})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"n1", "'=HYPERLINK(\"http://x\")", "api-key", "'@SUM(1)", "'+cmd|' /C calc'!A0", "'\n=1", "no-owner", "'-2+3"}
	if strings.Join(recs[1], "\x00") != strings.Join(want, "\x00") {
		t.Fatalf("row = %q, want %q", recs[1], want)
	}
}
