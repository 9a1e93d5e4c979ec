package main

import (
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" for creating the database
)

const pgBin = "/usr/lib/postgresql/15/bin"

// throwawayPostgres is a PostgreSQL cluster of the test's own, in a
// temporary directory on a free loopback port, run as the postgres user
// (the tests run as root). It is never the machine's main cluster.
type throwawayPostgres struct {
	t    *testing.T
	dir  string
	port string
}

func startThrowawayPostgres(t *testing.T) *throwawayPostgres {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to run initdb as the postgres user")
	}
	if _, err := os.Stat(filepath.Join(pgBin, "initdb")); err != nil {
		t.Skipf("no PostgreSQL 15 binaries: %v", err)
	}
	pgUser, err := user.Lookup("postgres")
	if err != nil {
		t.Skipf("no postgres user: %v", err)
	}
	uid, _ := strconv.Atoi(pgUser.Uid)
	gid, _ := strconv.Atoi(pgUser.Gid)
	dir, err := os.MkdirTemp("", "syncd-pg-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(freePort(t))
	pg := &throwawayPostgres{t: t, dir: dir, port: port}
	t.Cleanup(func() {
		_ = pg.ctl("stop", "-m", "immediate")
		os.RemoveAll(dir)
	})
	if out, err := pg.run(filepath.Join(pgBin, "initdb"), "-D", pg.data(), "-A", "trust", "-U", "syncd", "--no-sync"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	if err := pg.ctl("start"); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", pg.dsn("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(t.Context(), "CREATE DATABASE syncd"); err != nil {
		t.Fatalf("create database: %v", err)
	}
	return pg
}

func (pg *throwawayPostgres) data() string { return filepath.Join(pg.dir, "data") }

func (pg *throwawayPostgres) dsn(db string) string {
	return fmt.Sprintf("postgres://syncd@127.0.0.1:%s/%s?sslmode=disable", pg.port, db)
}

func (pg *throwawayPostgres) run(args ...string) (string, error) {
	out, err := exec.Command("runuser", append([]string{"-u", "postgres", "--"}, args...)...).CombinedOutput()
	return string(out), err
}

// ctl runs pg_ctl start or stop and waits for it to finish.
func (pg *throwawayPostgres) ctl(action string, extra ...string) error {
	args := []string{filepath.Join(pgBin, "pg_ctl"), "-D", pg.data(), "-w", "-t", "60", "-l", filepath.Join(pg.dir, "log")}
	if action == "start" {
		args = append(args, "-o", fmt.Sprintf("-p %s -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50", pg.port, pg.dir))
	}
	args = append(args, extra...)
	args = append(args, action)
	if out, err := pg.run(args...); err != nil {
		log, _ := os.ReadFile(filepath.Join(pg.dir, "log"))
		return fmt.Errorf("pg_ctl %s: %v\n%s\n%s", action, err, out, log)
	}
	return nil
}

// TestServePostgresRestart: under light SCIM load, the test's own
// PostgreSQL is stopped (fast shutdown: 57P01 to sessions), left down,
// then started again. syncd answers 503 with Retry-After and a SCIM error
// body while it is down, never 500 and never SQL text, recovers without a
// restart, and no acknowledged user is lost.
func TestServePostgresRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and syncd processes")
	}
	pg := startThrowawayPostgres(t)
	p := newProcEnv(t, "postgres", pg.dsn("syncd"))
	s := p.start("a")
	type result struct {
		code  int
		retry string
		body  string
		err   error
	}
	var (
		mu      sync.Mutex
		acked   = map[string]bool{}
		results []result
		phase   = "before"
		byPhase = map[string]map[int]int{"before": {}, "down": {}, "after": {}}
	)
	post := func(name string) {
		body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q}`, name)
		req, _ := http.NewRequestWithContext(t.Context(), "POST", s.base+"/scim/v2/Users", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+p.token)
		req.Header.Set("Content-Type", "application/scim+json")
		res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
		r := result{err: err}
		if err == nil {
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			r.code, r.retry, r.body = res.StatusCode, res.Header.Get("Retry-After"), string(raw)
		}
		mu.Lock()
		defer mu.Unlock()
		results = append(results, r)
		byPhase[phase][r.code]++
		if r.code == 201 {
			acked[name] = true
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				post(fmt.Sprintf("r%d-%d@x.test", w, i))
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	setPhase := func(ph string) { mu.Lock(); phase = ph; mu.Unlock() }
	time.Sleep(time.Second)
	setPhase("down")
	if err := pg.ctl("stop", "-m", "fast"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	if err := pg.ctl("start"); err != nil {
		t.Fatal(err)
	}
	setPhase("after")
	// Recovery: keep the load on until writes succeed again (bounded).
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		ok := byPhase["after"][201] >= 5
		mu.Unlock()
		if ok {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	t.Logf("statuses before %v, while down %v, after restart %v", byPhase["before"], byPhase["down"], byPhase["after"])
	if byPhase["before"][201] == 0 || byPhase["after"][201] < 5 {
		t.Fatalf("no successful writes before the stop or no recovery after the restart")
	}
	if byPhase["down"][503] == 0 {
		t.Errorf("no 503 while PostgreSQL was down")
	}
	for _, r := range results {
		switch {
		case r.err != nil:
			t.Errorf("transport error: %v", r.err)
		case r.code == 201:
		case r.code == 503:
			if r.retry == "" || !strings.Contains(r.body, "urn:ietf:params:scim:api:messages:2.0:Error") {
				t.Errorf("503 without Retry-After or SCIM error body: %q %s", r.retry, r.body)
			}
		default:
			t.Errorf("status %d: %s", r.code, r.body)
		}
		low := strings.ToLower(r.body)
		for _, leak := range []string{"sql", "pgx", "pgconn", "57p01", "connection refused"} {
			if strings.Contains(low, leak) {
				t.Errorf("response leaks %q: %s", leak, r.body)
			}
		}
	}
	c := p.client()
	for name := range acked {
		out := c.must(t, s.base, "GET", "/Users?filter="+urlQuery(`userName eq "`+name+`"`), nil, 200)
		if n, _ := out["totalResults"].(float64); n != 1 {
			t.Errorf("acknowledged user %s: %v after the restart", name, n)
		}
	}
}
