package replicas_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// cluster is the test's deployment: a built binary, a config per
// replica, the replicas, and a round-robin proxy in front.
type cluster struct {
	t       *testing.T
	bin     string
	dir     string
	dsn     string
	token   string
	st      *gormstore.Store
	proxy   string // base URL
	mu      sync.Mutex
	reps    []*replica
	backend atomic.Uint64
}

type replica struct {
	name string
	addr string
	cmd  *exec.Cmd
	log  *bytes.Buffer
	done chan error
	// exited is set once Wait returned (ProcessState is not safe to read
	// concurrently with Wait).
	exited atomic.Bool
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// build compiles syncd once per test binary run.
var (
	buildOnce sync.Once
	buildBin  string
	buildErr  error
)

func build(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "syncd-replicas-")
		if err != nil {
			buildErr = err
			return
		}
		buildBin = filepath.Join(dir, "syncd")
		cmd := exec.Command("go", "build", "-o", buildBin, "github.com/syncd-dev/syncd/cmd/syncd")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildBin
}

const configTemplate = `server:
  listen: %s
  shutdownTimeout: 5s
log:
  level: info
  format: json
storage:
  driver: postgres
  dsn: %q
  maxOpenConns: 10
jobs:
  workers: 4
  leaseTTL: 2s
  pollInterval: 100ms
  canary:
    every: 2s
    hold: 1s
sources:
  - name: idp
    role: idp
    type: scim-push
  # Unreachable on purpose: its failed runs feed the sync metrics.
  - name: hr
    role: hr
    type: scim
    interval: 2s
    scim:
      url: http://127.0.0.1:1/scim/v2
      tokenEnv: REPLICA_TEST_HR_TOKEN
      timeout: 1s
`

func newCluster(t *testing.T, replicas int) *cluster {
	t.Helper()
	c := &cluster{t: t, bin: build(t), dir: t.TempDir(), dsn: gormtest.FreshDSN(t, gormstore.DriverPostgres)}
	if out, errOut, err := c.cli("migrate"); err != nil {
		t.Fatalf("migrate: %v\n%s%s", err, out, errOut)
	}
	out, errOut, err := c.cli("token", "create", "--name", "idp", "--scope", "scim", "--source", "idp")
	if err != nil {
		t.Fatalf("token: %v\n%s", err, errOut)
	}
	c.token = strings.TrimSpace(out)
	st, err := gormstore.Open(t.Context(), gormstore.Options{Driver: gormstore.DriverPostgres, DSN: c.dsn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c.st = st
	for i := range replicas {
		c.start(fmt.Sprintf("r%d", i))
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			reps := c.live()
			r := reps[int(c.backend.Add(1))%len(reps)]
			u, _ := url.Parse("http://" + r.addr)
			pr.SetURL(u)
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			http.Error(w, err.Error(), http.StatusBadGateway)
		},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: proxy}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	c.proxy = "http://" + ln.Addr().String()
	t.Cleanup(func() {
		for _, r := range c.all() {
			if !r.exited.Load() {
				_ = r.cmd.Process.Kill()
				<-r.done
			}
			if t.Failed() {
				t.Logf("--- log of %s ---\n%s", r.name, r.log.String())
			}
		}
	})
	return c
}

func (c *cluster) env() []string {
	return append(os.Environ(), "REPLICA_TEST_HR_TOKEN=x")
}

func (c *cluster) configFile(listen string) string {
	p := filepath.Join(c.dir, "syncd-"+strings.ReplaceAll(listen, ":", "_")+".yaml")
	if err := os.WriteFile(p, []byte(fmt.Sprintf(configTemplate, listen, c.dsn)), 0o600); err != nil {
		c.t.Fatal(err)
	}
	return p
}

func (c *cluster) cli(args ...string) (string, string, error) {
	args = append(args, "--config", c.configFile("127.0.0.1:0"))
	cmd := exec.Command(c.bin, args...)
	cmd.Env = c.env()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return out.String(), errOut.String(), err
}

// start runs a replica and waits for it to be ready.
func (c *cluster) start(name string) *replica {
	c.t.Helper()
	addr := freePort(c.t)
	r := &replica{name: name, addr: addr, log: &bytes.Buffer{}, done: make(chan error, 1)}
	r.cmd = exec.Command(c.bin, "serve", "--config", c.configFile(addr))
	r.cmd.Env = c.env()
	r.cmd.Stdout, r.cmd.Stderr = r.log, r.log
	if err := r.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	go func() {
		err := r.cmd.Wait()
		r.exited.Store(true)
		r.done <- err
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("replica %s not ready:\n%s", name, r.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.mu.Lock()
	c.reps = append(c.reps, r)
	c.mu.Unlock()
	return r
}

func (c *cluster) all() []*replica {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*replica(nil), c.reps...)
}

// live lists the replicas the proxy sends to: started and not stopped.
func (c *cluster) live() []*replica {
	var out []*replica
	for _, r := range c.all() {
		if !r.exited.Load() {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return c.all()
	}
	return out
}

func (c *cluster) remove(r *replica) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.reps {
		if x == r {
			c.reps = append(c.reps[:i], c.reps[i+1:]...)
			return
		}
	}
}

// createUser POSTs one SCIM user through the proxy and returns the status.
func (c *cluster) createUser(ctx context.Context, name string) (int, error) {
	body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,"externalId":%q,"emails":[{"value":%q,"primary":true}]}`,
		name, "ext-"+name, name)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, c.proxy+"/scim/v2/Users", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// burst creates n users with 8 clients; it returns the status per name.
// during, when set, runs once after n/3 requests were answered.
func (c *cluster) burst(prefix string, n int, during func()) map[string]int {
	var (
		mu     sync.Mutex
		got    = map[string]int{}
		next   atomic.Int64
		answer atomic.Int64
		once   sync.Once
		wg     sync.WaitGroup
	)
	for range 8 {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				name := fmt.Sprintf("%s%04d@example.org", prefix, i)
				code, err := c.createUser(context.Background(), name)
				if err != nil {
					code = -1
				}
				mu.Lock()
				got[name] = code
				mu.Unlock()
				if answer.Add(1) == int64(n/3) && during != nil {
					once.Do(during)
				}
			}
		})
	}
	wg.Wait()
	return got
}

// durable checks that every user whose creation got a 2xx exists.
func (c *cluster) durable(got map[string]int) (ok int) {
	c.t.Helper()
	for name, code := range got {
		if code < 200 || code > 299 {
			continue
		}
		ok++
		ps, err := c.st.FindPersons(c.t.Context(), store.MatchUserName, name)
		if err != nil || len(ps) != 1 {
			c.t.Errorf("user %s got %d but is not stored (%v, %d found)", name, code, err, len(ps))
		}
	}
	return ok
}

// canaries counts jobs.canary audit events per period target.
func (c *cluster) canaries() map[string]int {
	c.t.Helper()
	out := map[string]int{}
	var after int64
	for {
		evs, err := c.st.ListAudit(c.t.Context(), after, 1000)
		if err != nil {
			c.t.Fatal(err)
		}
		if len(evs) == 0 {
			return out
		}
		for _, e := range evs {
			if e.Action == "jobs.canary" {
				out[e.Target]++
			}
			after = e.Seq
		}
	}
}

func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestReplicas runs the scenarios in order on one cluster (building and
// starting replicas is the slow part).
func TestReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("builds syncd and runs replicas")
	}
	c := newCluster(t, 2)

	t.Run("scim burst split across replicas loses nothing", func(t *testing.T) {
		got := c.burst("a", 200, nil)
		if ok := c.durable(got); ok != 200 {
			t.Fatalf("%d of 200 creations succeeded: %v", ok, summary(got))
		}
	})

	t.Run("each canary period runs once", func(t *testing.T) {
		waitFor(t, "four canary periods", 30*time.Second, func() bool { return len(c.canaries()) >= 4 })
		for target, n := range c.canaries() {
			if n != 1 {
				t.Errorf("%s ran %d times", target, n)
			}
		}
		// Both replicas claim canaries: the periods are shared, not
		// merely run by one.
		jobs, err := c.st.ListJobs(t.Context(), store.JobQuery{Kind: "jobs.canary", State: store.JobDone, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range jobs {
			if j.Attempts != 1 {
				t.Errorf("canary %s took %d attempts with no fault", j.Key, j.Attempts)
			}
		}
	})

	t.Run("kill -9 mid-job: the other replica retries after the lease lapses, effect once", func(t *testing.T) {
		// Wait until a canary is running (it holds for 1s) and kill the
		// replica running it, whichever claimed it.
		var (
			held   store.Job
			victim *replica
		)
		waitFor(t, "a canary running on a replica", 30*time.Second, func() bool {
			js, err := c.st.ListJobs(t.Context(), store.JobQuery{Kind: "jobs.canary", State: store.JobRunning})
			if err != nil {
				return false
			}
			for _, j := range js {
				for _, r := range c.all() {
					if strings.Contains(j.LeaseHolder, fmt.Sprintf(":%d:", r.cmd.Process.Pid)) {
						held, victim = j, r
						return true
					}
				}
			}
			return false
		})
		if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-victim.done
		c.remove(victim)
		killedAt := time.Now()
		waitFor(t, "the held canary done by the survivor", 30*time.Second, func() bool {
			j, err := c.st.GetJob(t.Context(), held.ID)
			return err == nil && j.State == store.JobDone
		})
		j, _ := c.st.GetJob(t.Context(), held.ID)
		if j.Attempts != 2 || j.LeaseHolder == held.LeaseHolder || j.FinishedAt.Before(held.LeaseExpiresAt.Add(-10*time.Millisecond)) {
			t.Fatalf("retried job %+v (killed claim %+v, killed at %s)", j, held, killedAt.UTC())
		}
		if n := c.canaries()["job:jobs.canary/"+held.Key]; n != 1 {
			t.Fatalf("the killed period's effect happened %d times", n)
		}
	})

	t.Run("SIGTERM during a SCIM burst: every 2xx is durable", func(t *testing.T) {
		c.start("r2")
		victim := c.all()[0]
		var exitedIn atomic.Int64
		got := c.burst("b", 300, func() {
			start := time.Now()
			if err := victim.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Error(err)
			}
			go func() {
				<-victim.done
				exitedIn.Store(int64(time.Since(start)))
			}()
		})
		waitFor(t, victim.name+" to exit", 15*time.Second, func() bool { return victim.exited.Load() })
		c.remove(victim)
		waitFor(t, "exit time", 5*time.Second, func() bool { return exitedIn.Load() != 0 })
		if code := victim.cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("%s exited %d after SIGTERM", victim.name, code)
		}
		ok := c.durable(got)
		t.Logf("SIGTERM during burst: %d of 300 got 2xx, %s exited in %s", ok, victim.name, time.Duration(exitedIn.Load()))
		if ok < 150 {
			t.Fatalf("only %d of 300 succeeded: %v", ok, summary(got))
		}
	})

	t.Run("a second SIGTERM exits at once", func(t *testing.T) {
		c.start("r3")
		// While a replica holds a canary (1s), the first SIGTERM waits for
		// it; the second must not. Whichever replica claimed it is the one
		// signalled.
		var r *replica
		waitFor(t, "a canary running on a replica", 30*time.Second, func() bool {
			js, err := c.st.ListJobs(t.Context(), store.JobQuery{Kind: "jobs.canary", State: store.JobRunning})
			if err != nil {
				return false
			}
			for _, j := range js {
				for _, rr := range c.all() {
					if strings.Contains(j.LeaseHolder, fmt.Sprintf(":%d:", rr.cmd.Process.Pid)) {
						r = rr
						return true
					}
				}
			}
			return false
		})
		start := time.Now()
		_ = r.cmd.Process.Signal(syscall.SIGTERM)
		time.Sleep(20 * time.Millisecond)
		_ = r.cmd.Process.Signal(syscall.SIGTERM)
		waitFor(t, r.name+" to exit", 5*time.Second, func() bool { return r.exited.Load() })
		c.remove(r)
		if code := r.cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(r.log.String(), "second signal") {
			t.Fatalf("exit %d after two signals in %s", code, time.Since(start))
		}
	})

	t.Run("metrics families", func(t *testing.T) {
		// Each replica counts what it served and ran; the cluster's
		// families are those of all live replicas together. The replicas
		// that served the earlier bursts may be gone: a few more users go
		// through the proxy to whichever are live.
		for i := range 4 {
			if code, err := c.createUser(t.Context(), fmt.Sprintf("metrics-%d@example.org", i)); err != nil || code != http.StatusCreated {
				t.Fatalf("create user through the proxy: %d %v", code, err)
			}
		}
		scrapeAll := func() string {
			var b strings.Builder
			for _, r := range c.all() {
				b.WriteString(scrape(t, r))
			}
			return b.String()
		}
		families := []string{
			"syncd_http_requests_total", "syncd_http_request_duration_seconds_bucket",
			"syncd_scim_operations_total", "syncd_sync_runs_total", "syncd_sync_run_duration_seconds_bucket",
			"syncd_sync_records_total", "syncd_job_queue_depth", "syncd_job_oldest_due_age_seconds",
			"syncd_job_runs_total", "syncd_job_run_duration_seconds_bucket", "syncd_nhi_open_findings",
			"syncd_access_pending_approvals", "syncd_review_items_open", "syncd_db_open_connections",
			"syncd_db_in_use_connections", "syncd_db_wait_count_total",
		}
		missing := func(body string) []string {
			var out []string
			for _, family := range families {
				if !strings.Contains(body, "\n"+family) {
					out = append(out, family)
				}
			}
			return out
		}
		// A job's run is counted after its handler returns, so the pull's
		// failure can be scraped a moment before the job-run families
		// appear: wait for every family, then report any still missing.
		var body string
		deadline := time.Now().Add(30 * time.Second)
		for {
			body = scrapeAll()
			failed := strings.Contains(body, `syncd_sync_runs_total{result="failed",source="hr"}`)
			if (failed && len(missing(body)) == 0) || time.Now().After(deadline) {
				if !failed {
					t.Errorf("no failed pull of the unreachable source counted")
				}
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		for _, family := range missing(body) {
			t.Errorf("family %s missing from /metrics", family)
		}
		if !strings.Contains(body, `syncd_scim_operations_total{method="POST",result="ok",source="idp"}`) {
			t.Errorf("no successful SCIM POSTs counted")
		}
	})

	t.Run("audit chain verifies", func(t *testing.T) {
		out, errOut, err := c.cli("audit", "verify")
		if err != nil {
			t.Fatalf("audit verify: %v\n%s%s", err, out, errOut)
		}
	})
}

func scrape(t *testing.T, r *replica) string {
	t.Helper()
	resp, err := http.Get("http://" + r.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("scrape: %d", resp.StatusCode)
	}
	return string(b)
}

func summary(got map[string]int) map[int]int {
	out := map[int]int{}
	for _, code := range got {
		out[code]++
	}
	return out
}
