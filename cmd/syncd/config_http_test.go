package main

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestHTTPLimits: sane defaults reach the http.Server; zero or negative
// limits and an unknown SQLite synchronous mode are refused, each named.
func TestHTTPLimits(t *testing.T) {
	cfg, err := parseConfig([]byte("{}\n"), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	var srv http.Server
	cfg.Server.applyLimits(&srv)
	if srv.ReadHeaderTimeout != 10*time.Second || srv.ReadTimeout != 30*time.Second || srv.WriteTimeout != 120*time.Second ||
		srv.IdleTimeout != 60*time.Second || srv.MaxHeaderBytes != 64<<10 {
		t.Fatalf("defaults: %v %v %v %v %d", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout, srv.MaxHeaderBytes)
	}
	_, err = parseConfig([]byte("server:\n  readTimeout: 0s\n  writeTimeout: -1s\n  idleTimeout: 0s\n  readHeaderTimeout: -5s\n  maxHeaderBytes: 0\nstorage:\n  sqliteSynchronous: off\n  sqliteCacheMiB: -1\n  sqliteMemoryMiB: -2\n"), noEnv)
	if err == nil {
		t.Fatal("zero and negative limits accepted")
	}
	for _, w := range []string{"server.readTimeout: must be a positive duration", "server.writeTimeout: must be a positive duration",
		"server.idleTimeout: must be a positive duration", "server.readHeaderTimeout: must be a positive duration",
		"server.maxHeaderBytes: must be positive", `storage.sqliteSynchronous: must be full or normal, got "off"`,
		"storage.sqliteCacheMiB: must not be negative", "storage.sqliteMemoryMiB: must not be negative"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q\ndoes not contain %q", err, w)
		}
	}
	cfg, err = parseConfig([]byte("server:\n  readTimeout: 5s\n  readHeaderTimeout: 2s\n  idleTimeout: 2s\nstorage:\n  sqliteSynchronous: normal\n  sqliteCacheMiB: 64\n"), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Storage.SQLiteCacheMiB != 64 {
		t.Fatalf("storage.sqliteCacheMiB = %d, want 64", cfg.Storage.SQLiteCacheMiB)
	}
	cfg.Server.applyLimits(&srv)
	if srv.ReadTimeout != 5*time.Second || srv.IdleTimeout != 2*time.Second {
		t.Fatalf("configured limits not applied: %v %v", srv.ReadTimeout, srv.IdleTimeout)
	}
}
