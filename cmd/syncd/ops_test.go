package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/jobs"
	"github.com/syncd-dev/syncd/internal/store"
)

// TestJobsListAndRetry: a failed job is listed with --state failed, and
// retry queues it again; retrying a queued job or a missing one fails.
func TestJobsListAndRetry(t *testing.T) {
	forEachDB(t, func(t *testing.T, driver, dsn string) {
		cfg := writeConfig(t, driver, dsn, true)
		if code, _, errOut := cli(t, noEnv, "migrate", "--config", cfg); code != 0 {
			t.Fatal(errOut)
		}
		st := openForTest(t, driver, dsn)
		ctx := t.Context()
		for _, key := range []string{"ok", "bad"} {
			if _, _, err := st.EnqueueJob(ctx, store.Job{Kind: "demo", Key: key}); err != nil {
				t.Fatal(err)
			}
		}
		c, err := st.ClaimJob(ctx, []string{"demo"}, "test", time.Now(), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.FailJob(ctx, store.JobLease{JobID: c.ID, Token: c.LeaseToken}, "upstream said no\nstack", time.Now(), nil); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := cli(t, noEnv, "jobs", "list", "--config", cfg, "--state", "failed")
		if code != 0 || !strings.Contains(out, "upstream said no") || strings.Count(out, "\n") != 2 || strings.Contains(out, "stack") {
			t.Fatalf("jobs list --state failed: %d\n%s%s", code, out, errOut)
		}
		if code, _, _ := cli(t, noEnv, "jobs", "list", "--config", cfg, "--state", "broken"); code != exitUsage {
			t.Fatalf("bad state: %d", code)
		}
		id := strings.Fields(strings.Split(out, "\n")[1])[0]
		if code, out, errOut := cli(t, noEnv, "jobs", "retry", "--config", cfg, id); code != 0 || !strings.Contains(out, "queued again") {
			t.Fatalf("retry: %d %s %s", code, out, errOut)
		}
		if j, _ := st.GetJob(ctx, c.ID); j.State != store.JobQueued || j.Attempts != 0 {
			t.Fatalf("after retry: %+v", j)
		}
		if code, _, errOut := cli(t, noEnv, "jobs", "retry", "--config", cfg, id); code != exitFailure || !strings.Contains(errOut, "not failed") {
			t.Fatalf("retry of a queued job: %d %s", code, errOut)
		}
		if code, _, _ := cli(t, noEnv, "jobs", "retry", "--config", cfg, "999999"); code != exitFailure {
			t.Fatalf("retry of a missing job: %d", code)
		}
		if code, _, _ := cli(t, noEnv, "jobs", "retry", "--config", cfg); code != exitUsage {
			t.Fatalf("retry without id: %d", code)
		}
	})
}

// TestServeDrainsAndRunsJobs: serve runs registered periodic jobs; on
// cancel /readyz turns 503 while an in-flight request finishes, and serve
// returns only after the job runner has stopped.
func TestServeDrainsAndRunsJobs(t *testing.T) {
	forEachDB(t, func(t *testing.T, driver, dsn string) {
		cfg, err := loadConfig(writeConfig(t, driver, dsn, true), noEnv)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Jobs.PollInterval = Duration(20 * time.Millisecond)
		cfg.Server.ShutdownTimeout = Duration(5 * time.Second)
		st := openForTest(t, driver, dsn)
		if err := ensureSchema(t.Context(), st, true); err != nil {
			t.Fatal(err)
		}
		d, err := newDaemon(t.Context(), cfg, st, newLogger(io.Discard, cfg.Log))
		if err != nil {
			t.Fatal(err)
		}
		ran := make(chan struct{}, 100)
		d.jobs.Periodic("test.tick", time.Hour, func(context.Context, *jobs.Run) error {
			ran <- struct{}{}
			return nil
		})
		release, started := make(chan struct{}), make(chan struct{})
		d.mux.HandleFunc("GET /slow", func(w http.ResponseWriter, _ *http.Request) {
			close(started)
			<-release
			io.WriteString(w, "finished")
		})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		base := "http://" + ln.Addr().String()
		ctx, cancel := context.WithCancel(t.Context())
		served := make(chan error, 1)
		go func() { served <- d.serve(ctx, ln) }()
		select {
		case <-ran:
		case <-time.After(10 * time.Second):
			t.Fatal("the periodic job did not run")
		}
		resp, err := http.Get(base + "/readyz")
		if err != nil || resp.StatusCode != 200 || resp.Header.Get("X-Request-Id") == "" {
			t.Fatalf("readyz before shutdown: %v %v", err, resp)
		}
		resp.Body.Close()
		slow := make(chan string, 1)
		go func() {
			resp, err := http.Get(base + "/slow")
			if err != nil {
				slow <- err.Error()
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			slow <- string(b)
		}()
		<-started
		cancel()
		waitUntil(t, func() bool { return d.draining.Load() })
		if code := get(t, d, "/readyz"); code != http.StatusServiceUnavailable {
			t.Fatalf("readyz while draining = %d", code)
		}
		close(release)
		if got := <-slow; got != "finished" {
			t.Fatalf("in-flight request: %q", got)
		}
		if err := <-served; err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("serve: %v", err)
		}
		js, err := st.ListJobs(t.Context(), store.JobQuery{State: store.JobRunning})
		if err != nil || len(js) != 0 {
			t.Fatalf("jobs left running after serve returned: %v %+v", err, js)
		}
	})
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
