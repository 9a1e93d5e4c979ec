package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/auth/authtest"
	"github.com/syncd-dev/syncd/internal/demo"
)

// demoRun is `syncd demo` running in-process.
type demoRun struct {
	base   string
	output strings.Builder
	stop   context.CancelFunc
	done   chan int
	halted sync.Once
}

var demoURL = regexp.MustCompile(`syncd demo is running: open (http://\S+)`)

// startDemo runs `syncd demo args...` until the test ends or stop is
// called, and waits for it to print its URL.
func startDemo(t *testing.T, args ...string) *demoRun {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	d := &demoRun{stop: cancel, done: make(chan int, 1)}
	var stderr strings.Builder
	go func() {
		d.done <- run(ctx, env{stdout: pw, stderr: &lockedWriter{w: &stderr}, getenv: noEnv}, append([]string{"demo"}, args...))
		pw.Close()
	}()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	deadline := time.After(2 * time.Minute)
	for d.base == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("demo exited before printing its URL:\n%s\nstderr:\n%s", d.output.String(), stderr.String())
			}
			d.output.WriteString(l + "\n")
			if m := demoURL.FindStringSubmatch(l); m != nil {
				d.base = m[1]
			}
		case <-deadline:
			t.Fatalf("demo did not start:\n%s", d.output.String())
		}
	}
	go func() {
		for l := range lines {
			_ = l // keep draining; the banner is complete
		}
	}()
	t.Cleanup(func() { d.halt(t) })
	return d
}

// halt stops the demo and checks it exits cleanly.
func (d *demoRun) halt(t *testing.T) {
	d.halted.Do(func() {
		d.stop()
		select {
		case code := <-d.done:
			if code != exitOK {
				t.Errorf("demo exited with %d", code)
			}
		case <-time.After(time.Minute):
			t.Error("demo did not stop")
		}
	})
}

// lockedWriter serialises writes from the demo's goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestDemoSignsInEveryRoleAndKeepsData(t *testing.T) {
	dir := t.TempDir()
	d := startDemo(t, "--data", dir, "--listen", "127.0.0.1:0")
	if !strings.Contains(d.output.String(), "Generating the demo organisation") {
		t.Fatalf("first run output:\n%s", d.output.String())
	}
	for _, l := range demo.Logins() {
		if !strings.Contains(d.output.String(), l.Username) {
			t.Errorf("banner lacks login %s", l.Username)
		}
		b := authtest.NewBrowser(t)
		home := b.SignIn(d.base, "/", l.Username, l.Password)
		if home.StatusCode != http.StatusOK || !strings.Contains(home.Body, "Hello, "+l.Name) {
			t.Fatalf("%s: home %d", l.Username, home.StatusCode)
		}
		wantSync := http.StatusForbidden
		if l.Role == "admin" || l.Role == "auditor" {
			wantSync = http.StatusOK
		}
		if resp := b.Get(d.base + "/sync"); resp.StatusCode != wantSync {
			t.Errorf("%s: /sync %d, want %d", l.Username, resp.StatusCode, wantSync)
		}
		// The same session calls the JSON API; a state change without the
		// session's CSRF token, or from another origin, is refused.
		if resp := b.Get(d.base + "/api/v1/nhis"); resp.StatusCode != http.StatusOK || !strings.HasPrefix(strings.TrimSpace(resp.Body), "{") {
			t.Errorf("%s: GET /api/v1/nhis with the session: %d %.80s", l.Username, resp.StatusCode, resp.Body)
		}
		// The demo catalog is served, its owner resolved to a demo person.
		if resp := b.Get(d.base + "/api/v1/catalog"); resp.StatusCode != http.StatusOK || strings.Count(resp.Body, `"owner_id":`) != 5 || strings.Contains(resp.Body, `"owner_id":""`) ||
			!strings.Contains(resp.Body, `"outcome":`) {
			t.Errorf("%s: GET /api/v1/catalog: %d %.300s", l.Username, resp.StatusCode, resp.Body)
		}
		req, _ := http.NewRequest(http.MethodPost, d.base+"/api/v1/nhis", strings.NewReader(`{"kind":"api-key","name":"x"}`))
		req.Header.Set("Content-Type", "application/json")
		if resp := b.Do(req); resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: POST /api/v1/nhis without CSRF token: %d", l.Username, resp.StatusCode)
		}
		req, _ = http.NewRequest(http.MethodPost, d.base+"/api/v1/nhis", strings.NewReader(`{}`))
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if resp := b.Do(req); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: cross-origin POST /api/v1/nhis: %d", l.Username, resp.StatusCode)
		}
	}
	d.halt(t)

	again := startDemo(t, "--data", dir, "--listen", "127.0.0.1:0")
	if !strings.Contains(again.output.String(), "Using the existing demo data") {
		t.Fatalf("second run output:\n%s", again.output.String())
	}
	again.halt(t)

	fresh := startDemo(t, "--data", dir, "--listen", "127.0.0.1:0", "--reset")
	if !strings.Contains(fresh.output.String(), "Generating the demo organisation") {
		t.Fatalf("reset run output:\n%s", fresh.output.String())
	}
}

func TestDemoRefusesNonLoopback(t *testing.T) {
	code, _, errOut := cli(t, noEnv, "demo", "--data", t.TempDir(), "--listen", "0.0.0.0:0")
	if code != exitUsage || !strings.Contains(errOut, "must stay on loopback") {
		t.Fatalf("code %d: %s", code, errOut)
	}
}

// TestDemoMailsTheSeededApprovals: right after `syncd demo` starts, its
// mailbox (/demo/mail, for the admin) shows the approval-requested mails
// of the seeded pending requests, addressed to their approvers, with the
// link to the request.
func TestDemoMailsTheSeededApprovals(t *testing.T) {
	d := startDemo(t, "--data", t.TempDir(), "--listen", "127.0.0.1:0")
	var ada demo.Login
	for _, l := range demo.Logins() {
		if l.Role == "admin" {
			ada = l
		}
	}
	b := authtest.NewBrowser(t)
	if home := b.SignIn(d.base, "/", ada.Username, ada.Password); home.StatusCode != http.StatusOK {
		t.Fatalf("sign-in: %d", home.StatusCode)
	}
	deadline := time.Now().Add(90 * time.Second)
	var body string
	for time.Now().Before(deadline) {
		resp := b.Get(d.base + "/demo/mail")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/demo/mail: %d", resp.StatusCode)
		}
		body = resp.Body
		if strings.Count(body, "Approval needed: ") >= 2 {
			break
		}
		time.Sleep(time.Second)
	}
	if strings.Count(body, "Approval needed: ") < 2 || !strings.Contains(body, d.base+"/requests/") {
		t.Fatalf("the demo mailbox lacks the seeded approval mails:\n%s", body)
	}
}
