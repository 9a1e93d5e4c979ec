package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// Tests in this file run the real syncd binary (built once per test run)
// as separate processes on loopback, and talk SCIM to them over HTTP.

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// syncdBinary builds cmd/syncd into a temporary directory once.
func syncdBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "syncd-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "syncd")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// procEnv is a configuration shared by the syncd processes of one test.
type procEnv struct {
	t      *testing.T
	bin    string
	dir    string
	driver string
	dsn    string
	token  string
}

func newProcEnv(t *testing.T, driver, dsn string) *procEnv {
	t.Helper()
	p := &procEnv{t: t, bin: syncdBinary(t), dir: t.TempDir(), driver: driver, dsn: dsn}
	// A config for CLI commands; serve gets its own with a port.
	p.writeConfig("cli.yaml", "127.0.0.1:1")
	if out, err := p.cli("migrate"); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	out, err := p.cli("token create", "--name", "entra", "--scope", "scim", "--source", "entra")
	if err != nil {
		t.Fatalf("token create: %v\n%s", err, out)
	}
	p.token = strings.TrimSpace(out)
	return p
}

func (p *procEnv) writeConfig(name, listen string) string {
	p.t.Helper()
	cfg := fmt.Sprintf(`server:
  listen: %s
  baseURL: http://%s
storage:
  driver: %s
  dsn: %q
  autoMigrate: true
log:
  level: warn
sources:
  - name: entra
    role: idp
    type: scim-push
scim:
  ratePerSecond: 100000
`, listen, listen, p.driver, p.dsn)
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		p.t.Fatal(err)
	}
	return path
}

// cli runs one syncd command with the CLI configuration.
func (p *procEnv) cli(args ...string) (string, error) {
	cmd := strings.Fields(args[0])
	cmd = append(cmd, "--config", filepath.Join(p.dir, "cli.yaml"))
	cmd = append(cmd, args[1:]...)
	var out bytes.Buffer
	c := exec.Command(p.bin, cmd...)
	c.Stdout, c.Stderr = &out, &out
	err := c.Run()
	return out.String(), err
}

// server is one running `syncd serve`.
type server struct {
	cmd  *exec.Cmd
	base string
	logs *bytes.Buffer
	done chan struct{}
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

// start runs `syncd serve` on a free loopback port and waits until it is
// ready; it is killed when the test ends.
func (p *procEnv) start(name string) *server {
	p.t.Helper()
	addr := freePort(p.t)
	cfg := p.writeConfig(name+".yaml", addr)
	s := &server{base: "http://" + addr, logs: &bytes.Buffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(p.bin, "serve", "--config", cfg)
	s.cmd.Stdout, s.cmd.Stderr = &lockedWriter{w: s.logs}, &lockedWriter{w: s.logs}
	if err := s.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	p.t.Cleanup(func() { s.kill() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(s.base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return s
			}
		}
		select {
		case <-s.done:
			p.t.Fatalf("serve exited: %s", s.logs)
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("serve not ready after 30s: %s", s.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill sends SIGKILL (kill -9) and waits for the process to be gone.
func (s *server) kill() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// scimClient talks SCIM to a server with the env's token.
type scimClient struct {
	token string
	http  *http.Client
}

func (p *procEnv) client() *scimClient {
	return &scimClient{token: p.token, http: &http.Client{Timeout: 30 * time.Second}}
}

// do returns the status and decoded body; err is a transport failure.
func (c *scimClient) do(ctx context.Context, base, method, path string, body any) (int, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+"/scim/v2"+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/scim+json")
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, err
	}
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			return res.StatusCode, nil, fmt.Errorf("%s %s: %d, not JSON: %.200s", method, path, res.StatusCode, raw)
		}
	}
	return res.StatusCode, out, nil
}

func (c *scimClient) must(t *testing.T, base, method, path string, body any, want int) map[string]any {
	t.Helper()
	code, out, err := c.do(t.Context(), base, method, path, body)
	if err != nil || code != want {
		t.Fatalf("%s %s: %d %v %v (want %d)", method, path, code, out, err, want)
	}
	return out
}

func scimUser(name string) map[string]any {
	return map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": name}
}

func scimGroup(name string) map[string]any {
	return map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": name}
}

func scimPatch(op, path string, value any) map[string]any {
	o := map[string]any{"op": op, "path": path}
	if value != nil {
		o["value"] = value
	}
	return map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": []any{o}}
}

func memberIDs(g map[string]any) map[string]bool {
	out := map[string]bool{}
	ms, _ := g["members"].([]any)
	for _, m := range ms {
		if mm, ok := m.(map[string]any); ok {
			if v, ok := mm["value"].(string); ok {
				out[v] = true
			}
		}
	}
	return out
}

// hammer runs workers goroutines; each does rounds of fn(worker, round)
// and the acknowledged ones are counted by fn itself.
func hammer(workers, rounds int, fn func(w, r int)) {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				fn(w, r)
			}
		}()
	}
	wg.Wait()
}

// TestServeConcurrentWrites: against real `syncd serve` processes (one on
// SQLite; on PostgreSQL, two sharing the database, requests alternating
// between them), 8 clients add different members to one group and
// replace different attributes of one user at once. Every acknowledged
// change is present afterwards and the audit chain verifies.
func TestServeConcurrentWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts syncd processes")
	}
	for _, driver := range gormtest.Drivers {
		t.Run(driver, func(t *testing.T) {
			p := newProcEnv(t, driver, gormtest.FreshDSN(t, driver))
			servers := []*server{p.start("a")}
			if driver == "postgres" {
				servers = append(servers, p.start("b"))
			}
			c := p.client()
			base := func(i int) string { return servers[i%len(servers)].base }
			const workers, rounds = 8, 8
			ids := make([][]string, workers)
			for w := range workers {
				for r := range rounds {
					ids[w] = append(ids[w], c.must(t, base(w+r), "POST", "/Users", scimUser(fmt.Sprintf("p%d-%d@x.test", w, r)), 201)["id"].(string))
				}
			}
			gid := c.must(t, base(0), "POST", "/Groups", scimGroup("Hammered"), 201)["id"].(string)
			uid := c.must(t, base(1), "POST", "/Users", scimUser("target@x.test"), 201)["id"].(string)
			attrs := []string{"displayName", "title", "nickName", "locale", "timezone", "preferredLanguage", "userType", "profileUrl"}
			var (
				mu     sync.Mutex
				acked  []string
				last   = map[string]string{}
				failed []string
			)
			hammer(workers, rounds, func(w, r int) {
				code, out, err := c.do(t.Context(), base(w+r), "PATCH", "/Groups/"+gid,
					scimPatch("add", "members", []any{map[string]any{"value": ids[w][r]}}))
				v := fmt.Sprintf("%s-%d", attrs[w], r)
				code2, out2, err2 := c.do(t.Context(), base(w+r+1), "PATCH", "/Users/"+uid, scimPatch("replace", attrs[w], v))
				mu.Lock()
				defer mu.Unlock()
				if err == nil && code/100 == 2 {
					acked = append(acked, ids[w][r])
				} else {
					failed = append(failed, fmt.Sprintf("group: %d %v %v", code, out, err))
				}
				if err2 == nil && code2/100 == 2 {
					last[attrs[w]] = v
				} else {
					failed = append(failed, fmt.Sprintf("user: %d %v %v", code2, out2, err2))
				}
			})
			if len(failed) > 0 {
				t.Errorf("%d requests failed, first: %s", len(failed), failed[0])
			}
			g := c.must(t, base(0), "GET", "/Groups/"+gid, nil, 200)
			members := memberIDs(g)
			lost := 0
			for _, id := range acked {
				if !members[id] {
					lost++
				}
			}
			if lost > 0 || len(members) != len(acked) {
				t.Errorf("%d of %d acknowledged adds lost; %d members", lost, len(acked), len(members))
			}
			u := c.must(t, base(1), "GET", "/Users/"+uid, nil, 200)
			for a, v := range last {
				if u[a] != v {
					t.Errorf("%s = %v, want the last acknowledged %q", a, u[a], v)
				}
			}
			for _, s := range servers {
				s.kill()
			}
			if out, err := p.cli("audit verify"); err != nil {
				t.Fatalf("audit verify: %v\n%s", err, out)
			}
		})
	}
}

// TestServeKill9MidBurst: 16 clients create users and add them to one
// group; the process is killed with SIGKILL mid-burst and restarted.
// Every acknowledged user and membership is there, no userName is
// duplicated, and the audit chain verifies.
func TestServeKill9MidBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("starts syncd processes")
	}
	for _, driver := range gormtest.Drivers {
		t.Run(driver, func(t *testing.T) {
			p := newProcEnv(t, driver, gormtest.FreshDSN(t, driver))
			s := p.start("a")
			c := p.client()
			gid := c.must(t, s.base, "POST", "/Groups", scimGroup("Burst"), 201)["id"].(string)
			var (
				mu        sync.Mutex
				users     = map[string]string{} // userName -> id, acknowledged
				members   []string
				sawFailed bool
			)
			ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
			defer cancel()
			go func() {
				time.Sleep(700 * time.Millisecond)
				s.kill()
			}()
			hammer(16, 1000, func(w, r int) {
				select {
				case <-s.done:
					// The burst was cut by the kill: on a loaded machine
					// every request in flight may have been answered
					// just before it landed.
					mu.Lock()
					sawFailed = true
					mu.Unlock()
					return
				default:
				}
				name := fmt.Sprintf("b%d-%d@x.test", w, r)
				code, out, err := c.do(ctx, s.base, "POST", "/Users", scimUser(name))
				if err != nil || code != 201 {
					mu.Lock()
					sawFailed = true
					mu.Unlock()
					return
				}
				id := out["id"].(string)
				mu.Lock()
				users[name] = id
				mu.Unlock()
				code, _, err = c.do(ctx, s.base, "PATCH", "/Groups/"+gid, scimPatch("add", "members", []any{map[string]any{"value": id}}))
				if err == nil && code/100 == 2 {
					mu.Lock()
					members = append(members, id)
					mu.Unlock()
				}
			})
			if !sawFailed || len(users) == 0 {
				t.Fatalf("the kill did not land mid-burst: %d users acknowledged, failures %v", len(users), sawFailed)
			}
			t.Logf("%d users and %d memberships acknowledged before SIGKILL", len(users), len(members))
			t0 := time.Now()
			s = p.start("b")
			t.Logf("restarted in %s", time.Since(t0))
			for name, id := range users {
				out := c.must(t, s.base, "GET", "/Users?filter="+urlQuery(`userName eq "`+name+`"`), nil, 200)
				if n, _ := out["totalResults"].(float64); n != 1 {
					t.Fatalf("userName %s: %v users after restart", name, n)
				}
				res, _ := out["Resources"].([]any)
				if got := res[0].(map[string]any)["id"]; got != id {
					t.Fatalf("userName %s: id %v, acknowledged %s", name, got, id)
				}
			}
			t.Logf("users checked after %s", time.Since(t0))
			g := c.must(t, s.base, "GET", "/Groups/"+gid, nil, 200)
			have := memberIDs(g)
			for _, id := range members {
				if !have[id] {
					t.Fatalf("acknowledged membership of %s lost", id)
				}
			}
			s.kill()
			if out, err := p.cli("audit verify"); err != nil {
				t.Fatalf("audit verify: %v\n%s", err, out)
			}
		})
	}
}

func urlQuery(s string) string {
	return strings.NewReplacer(" ", "%20", `"`, "%22", "@", "%40").Replace(s)
}
