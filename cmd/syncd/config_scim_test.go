package main

import (
	"bytes"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/token"
)

func TestServeMountsSCIM(t *testing.T) {
	forEachDB(t, func(t *testing.T, driver, dsn string) {
		path := writeConfig(t, driver, dsn, true)
		cfg, err := loadConfig(path, noEnv)
		if err != nil {
			t.Fatal(err)
		}
		logger := newLogger(&bytes.Buffer{}, cfg.Log)
		st, err := openStore(t.Context(), cfg, logger)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := ensureSchema(t.Context(), st, true); err != nil {
			t.Fatal(err)
		}
		d, err := newDaemon(t.Context(), cfg, st, logger)
		if err != nil {
			t.Fatal(err)
		}
		if code := get(t, d, "/scim/v2/Users"); code != http.StatusUnauthorized {
			t.Fatalf("GET /scim/v2/Users without a token = %d", code)
		}
		secret, _, err := token.Issue(t.Context(), st, time.Now(), "test", "entra", store.ScopeSCIM, "")
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequestWithContext(t.Context(), "GET", "/scim/v2/Users?filter=userName%20eq%20%22x%22", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		rec := &statusRecorder{header: http.Header{}}
		d.mux.ServeHTTP(rec, req)
		if rec.code != http.StatusOK {
			t.Fatalf("GET /scim/v2/Users with a token = %d", rec.code)
		}
	})
}

func TestSCIMConfigValidation(t *testing.T) {
	path := t.TempDir() + "/bad.yaml"
	body := "scim:\n  maxResults: -1\n  burst: -2\n  nonHuman:\n    userTypes: ['']\n    attribute: 'a b'\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := loadConfig(path, noEnv)
	if err == nil {
		t.Fatal("bad scim section accepted")
	}
	for _, want := range []string{"scim.maxResults", "scim.burst", "scim.nonHuman.userTypes[0]", "scim.nonHuman.attribute"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}

func TestSCIMConfigEnvOverride(t *testing.T) {
	path := t.TempDir() + "/ok.yaml"
	if err := os.WriteFile(path, []byte("scim:\n  maxResults: 50\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(path, envMap(map[string]string{"SYNCD_SCIM_MAXRESULTS": "75", "SYNCD_SCIM_RATEPERSECOND": "9"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SCIM.MaxResults != 75 || cfg.SCIM.RatePerSecond != 9 {
		t.Fatalf("overrides not applied: %+v", cfg.SCIM)
	}
}
