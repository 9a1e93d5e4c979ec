package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
	"github.com/syncd-dev/syncd/internal/token"
	"github.com/syncd-dev/syncd/migrations"
)

// cli runs syncd in-process with args, returning exit code and output.
func cli(t *testing.T, getenv func(string) string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(t.Context(), env{stdout: &out, stderr: &errb, getenv: getenv}, args)
	return code, out.String(), errb.String()
}

// writeConfig writes a configuration for driver/dsn and returns its path.
func writeConfig(t *testing.T, driver, dsn string, autoMigrate bool) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "syncd.yaml")
	body := fmt.Sprintf("storage:\n  driver: %s\n  dsn: %q\n  autoMigrate: %t\nlog:\n  level: warn\n", driver, dsn, autoMigrate)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// forEachDB runs fn on an empty database of each driver.
func forEachDB(t *testing.T, fn func(t *testing.T, driver, dsn string)) {
	for _, d := range gormtest.Drivers {
		t.Run(d, func(t *testing.T) { fn(t, d, gormtest.FreshDSN(t, d)) })
	}
}

func TestMigrateIsIdempotentAndSameOnBothDatabases(t *testing.T) {
	latest, err := migrations.Latest()
	if err != nil {
		t.Fatal(err)
	}
	forEachDB(t, func(t *testing.T, driver, dsn string) {
		cfg := writeConfig(t, driver, dsn, false)
		code, out, errOut := cli(t, noEnv, "migrate", "--config", cfg)
		if code != 0 {
			t.Fatalf("migrate: %d %s", code, errOut)
		}
		want := fmt.Sprintf("schema version %d (%s): migrated from 0", latest, driver)
		if !strings.Contains(out, want) {
			t.Fatalf("first migrate printed %q, want %q", out, want)
		}
		code, out, errOut = cli(t, noEnv, "migrate", "--config", cfg)
		if code != 0 || !strings.Contains(out, fmt.Sprintf("schema version %d (%s): up to date", latest, driver)) {
			t.Fatalf("second migrate: %d %q %q", code, out, errOut)
		}
	})
}

func TestServeRefusesOutdatedSchema(t *testing.T) {
	forEachDB(t, func(t *testing.T, driver, dsn string) {
		cfg := writeConfig(t, driver, dsn, false)
		code, _, errOut := cli(t, noEnv, "serve", "--config", cfg)
		if code != exitFailure || !strings.Contains(errOut, "run 'syncd migrate' or set storage.autoMigrate: true") {
			t.Fatalf("serve on an empty database: code %d, stderr %q", code, errOut)
		}
	})
}

func TestServeHealthReadyAndGracefulShutdown(t *testing.T) {
	forEachDB(t, func(t *testing.T, driver, dsn string) {
		cfg, err := loadConfig(writeConfig(t, driver, dsn, true), noEnv)
		if err != nil {
			t.Fatal(err)
		}
		logger := newLogger(&bytes.Buffer{}, cfg.Log)
		st, err := openStore(t.Context(), cfg, logger)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()

		d, err := newDaemon(t.Context(), cfg, st, logger)
		if err != nil {
			t.Fatal(err)
		}
		// Before migration the daemon is up but not ready.
		if code := get(t, d, "/readyz"); code != http.StatusServiceUnavailable {
			t.Fatalf("readyz before migrate = %d", code)
		}
		if err := ensureSchema(t.Context(), st, true); err != nil {
			t.Fatal(err)
		}

		release := make(chan struct{})
		started := make(chan struct{})
		d.mux.HandleFunc("GET /slow", func(w http.ResponseWriter, _ *http.Request) {
			close(started)
			<-release
			fmt.Fprint(w, "finished")
		})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		base := "http://" + ln.Addr().String()
		ctx, cancel := context.WithCancel(t.Context())
		served := make(chan error, 1)
		go func() { served <- d.serve(ctx, ln) }()

		for _, tc := range []struct {
			path string
			want int
		}{{"/healthz", 200}, {"/readyz", 200}, {"/nope", 404}} {
			resp, err := http.Get(base + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("GET %s = %d, want %d", tc.path, resp.StatusCode, tc.want)
			}
		}

		// An in-flight request finishes although shutdown has begun.
		slow := make(chan string, 1)
		go func() {
			resp, err := http.Get(base + "/slow")
			if err != nil {
				slow <- "error: " + err.Error()
				return
			}
			defer resp.Body.Close()
			var b bytes.Buffer
			b.ReadFrom(resp.Body)
			slow <- b.String()
		}()
		<-started
		cancel()
		// New connections are refused once shutdown started.
		deadline := time.Now().Add(5 * time.Second)
		for {
			c, err := net.DialTimeout("tcp", ln.Addr().String(), 100*time.Millisecond)
			if err != nil {
				break
			}
			c.Close()
			if time.Now().After(deadline) {
				t.Fatal("listener still accepting after shutdown began")
			}
			time.Sleep(10 * time.Millisecond)
		}
		close(release)
		if got := <-slow; got != "finished" {
			t.Fatalf("in-flight request: %q", got)
		}
		if err := <-served; err != nil {
			t.Fatalf("serve returned %v", err)
		}
	})
}

func get(t *testing.T, d *daemon, path string) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", path, nil)
	rec := &statusRecorder{header: http.Header{}}
	d.mux.ServeHTTP(rec, req)
	return rec.code
}

type statusRecorder struct {
	header http.Header
	code   int
}

func (r *statusRecorder) Header() http.Header         { return r.header }
func (r *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *statusRecorder) WriteHeader(code int)        { r.code = code }

func TestTokenCreateListRevoke(t *testing.T) {
	forEachDB(t, func(t *testing.T, driver, dsn string) {
		cfg := writeConfig(t, driver, dsn, true)
		code, out, errOut := cli(t, noEnv, "token", "create", "--config", cfg, "--name", "entra", "--scope", "scim")
		if code != 0 {
			t.Fatalf("token create: %d %s", code, errOut)
		}
		secret := strings.TrimSuffix(out, "\n")
		if strings.ContainsAny(secret, " \n\t") || !strings.HasPrefix(secret, "syncd_") {
			t.Fatalf("stdout must be the secret alone, got %q", out)
		}
		if code, _, errOut := cli(t, noEnv, "token", "create", "--config", cfg, "--name", "entra", "--scope", "api"); code != exitFailure || !strings.Contains(errOut, "exists already") {
			t.Fatalf("duplicate name: %d %q", code, errOut)
		}
		if code, _, errOut := cli(t, noEnv, "token", "create", "--config", cfg, "--name", "x", "--scope", "superuser"); code != exitFailure || !strings.Contains(errOut, "use one or more of") {
			t.Fatalf("bad scope: %d %q", code, errOut)
		}

		code, out, _ = cli(t, noEnv, "token", "list", "--config", cfg)
		if code != 0 || !strings.Contains(out, "entra") || strings.Contains(out, secret) {
			t.Fatalf("token list: %d %q", code, out)
		}

		st := openForTest(t, driver, dsn)
		tok, err := token.Authenticate(t.Context(), st, secret, store.ScopeSCIM)
		if err != nil || tok.Source != "entra" {
			t.Fatalf("authenticate: %+v %v", tok, err)
		}
		if _, err := token.Authenticate(t.Context(), st, secret, store.ScopeAPI); err == nil {
			t.Fatal("a scim token authenticated for the api scope")
		}
		wrong := secret[:len(secret)-1] + "A"
		if wrong == secret { // the secret ended in "A" already (1 in 64)
			wrong = secret[:len(secret)-1] + "B"
		}
		if _, err := token.Authenticate(t.Context(), st, wrong, store.ScopeSCIM); err == nil {
			t.Fatal("a wrong secret authenticated")
		}

		if code, _, errOut := cli(t, noEnv, "token", "revoke", "--config", cfg, "--name", "entra"); code != 0 {
			t.Fatalf("revoke: %s", errOut)
		}
		if _, err := token.Authenticate(t.Context(), st, secret, store.ScopeSCIM); err == nil {
			t.Fatal("a revoked token authenticated")
		}
	})
}

func openForTest(t *testing.T, driver, dsn string) *gormstore.Store {
	t.Helper()
	st, err := gormstore.Open(t.Context(), gormstore.Options{Driver: driver, DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestAuditVerifyNamesTamperedEvent(t *testing.T) {
	forEachDB(t, func(t *testing.T, driver, dsn string) {
		cfg := writeConfig(t, driver, dsn, true)
		for _, name := range []string{"a", "b", "c", "d"} {
			if code, _, errOut := cli(t, noEnv, "token", "create", "--config", cfg, "--name", name, "--scope", "api"); code != 0 {
				t.Fatal(errOut)
			}
		}
		code, out, _ := cli(t, noEnv, "audit", "verify", "--config", cfg)
		if code != 0 || !strings.Contains(out, "ok: 4 events") {
			t.Fatalf("untouched chain: %d %q", code, out)
		}

		db := rawDB(t, driver, dsn)
		for _, tc := range []struct {
			name, sql string
			wantSeq   int
		}{
			{"deleted last row", "DELETE FROM audit_events WHERE seq = 4", 4},
			{"edited row", "UPDATE audit_events SET actor = 'mallory' WHERE seq = 2", 2},
			{"deleted row", "DELETE FROM audit_events WHERE seq = 2", 3},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := db.Exec(tc.sql); err != nil {
					t.Fatal(err)
				}
				code, out, _ := cli(t, noEnv, "audit", "verify", "--config", cfg)
				want := fmt.Sprintf("audit chain broken at event %d", tc.wantSeq)
				if code != exitFailure || !strings.Contains(out, want) {
					t.Fatalf("got %d %q, want exit 1 naming %q", code, out, want)
				}
			})
		}
	})
}

func rawDB(t *testing.T, driver, dsn string) *sql.DB {
	t.Helper()
	name := map[string]string{gormstore.DriverSQLite: gormstore.DefaultSQLiteDriver, gormstore.DriverPostgres: "pgx"}[driver]
	db, err := sql.Open(name, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConfigValidateCommand(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("storage:\n  driver: oracle\n  colour: red\nsources:\n  - name: a\n    role: hr\n    type: scim-push\n  - name: a\n    role: hr\n    type: scim-push\n"), 0o600)
	code, _, errOut := cli(t, noEnv, "config", "validate", "--config", bad)
	if code != exitUsage {
		t.Fatalf("exit %d, want 2", code)
	}
	// Shape errors are reported first; a file with shape errors is not
	// checked for meaning, so fix them and the rest appear.
	if !strings.Contains(errOut, "storage.colour: unknown option (line 3)") {
		t.Fatalf("stderr %q", errOut)
	}
	os.WriteFile(bad, []byte("storage:\n  driver: oracle\nsources:\n  - name: a\n    role: hr\n    type: scim-push\n  - name: a\n    role: hr\n    type: scim-push\n"), 0o600)
	code, _, errOut = cli(t, noEnv, "config", "validate", "--config", bad)
	if code != exitUsage || !regexp.MustCompile(`has 2 problem`).MatchString(errOut) ||
		!strings.Contains(errOut, `storage.driver: must be sqlite or postgres, got "oracle"`) ||
		!strings.Contains(errOut, `sources[1].name: duplicate source name "a" (also sources[0])`) {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	code, out, _ := cli(t, envMap(map[string]string{"SYNCD_WIKI_WEBHOOK_SECRET": "s"}), "config", "validate", "--config", "../../configs/demo.yaml")
	if code != 0 || !strings.Contains(out, "ok") {
		t.Fatalf("demo config: %d %q", code, out)
	}
	if code, _, _ := cli(t, noEnv, "config", "validate", "--config", filepath.Join(dir, "missing.yaml")); code != exitUsage {
		t.Fatalf("missing file: exit %d", code)
	}
}

func TestUnreachableDatabaseFailsClearly(t *testing.T) {
	cfg := writeConfig(t, "postgres", "postgres://syncd:secret-pw@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", false)
	code, _, errOut := cli(t, noEnv, "migrate", "--config", cfg)
	if code != exitFailure || strings.Contains(errOut, "secret-pw") || !strings.Contains(errOut, "unavailable") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

func TestHelpAndUnknownCommand(t *testing.T) {
	code, out, _ := cli(t, noEnv, "help")
	for _, c := range []string{"serve", "migrate", "config validate", "audit verify", "token create", "version"} {
		if !strings.Contains(out, "syncd "+c) {
			t.Errorf("help lacks %q", c)
		}
	}
	if code != 0 {
		t.Fatalf("help exit %d", code)
	}
	if code, _, errOut := cli(t, noEnv, "frobnicate"); code != exitUsage || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("unknown: %d %q", code, errOut)
	}
}
