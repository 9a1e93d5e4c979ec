// Command scimload is a load generator for syncd's SCIM server: it creates
// users with POST /Users from many concurrent clients, then runs filtered
// GETs (userName eq, as Entra sends before every change) and a mixed
// Entra-style phase (filtered GET, PATCH, POST), printing throughput and
// latency percentiles per phase. Run it against a `syncd serve` on
// loopback; see bench/README.md.
//
// With -raw-driver and -raw-dsn it also inserts the same users' rows
// straight through database/sql (one autocommitted INSERT each, from the
// same number of clients) into a scratch table of the same database: the
// floor that syncd's create rate is compared with in the same run. With
// -raw-full that floor is the whole write syncd does for a create, in one
// transaction: a person row, a link row with the document, and a
// hash-chained audit event behind a locked chain head.
//
// The group-members phase creates -groups groups and sends -group-ops
// PATCH requests as Entra does when memberships change, each adding one
// created user to a group or (every fourth round over the groups)
// removing one: the groups grow to about half of -group-ops / -groups
// members.
//
// The page and contains phases read a deep page (startIndex at 90 % of
// the users, count 100) and filter displayName co "ab" (a quarter of the
// generated names contain it); with -pid the peak RSS of that process is
// read from /proc at the end, and -table prints issue 19's table.
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" for -raw-driver pgx
	_ "github.com/mattn/go-sqlite3"    // "sqlite3" for -raw-driver sqlite3
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080/scim/v2", "SCIM base URL")
	tok := flag.String("token", os.Getenv("SCIM_TOKEN"), "bearer token (default $SCIM_TOKEN)")
	clients := flag.Int("clients", 16, "concurrent clients")
	users := flag.Int("users", 20000, "users to create")
	gets := flag.Int("gets", 50000, "filtered GETs")
	mixed := flag.Int("mixed", 20000, "requests in the mixed phase")
	prefix := flag.String("prefix", fmt.Sprintf("u%d", time.Now().Unix()), "userName prefix (unique per run)")
	phases := flag.String("phases", "create,filtered-get,mixed", "phases to run, in this order")
	rawDriver := flag.String("raw-driver", "", "database/sql driver for the raw-insert phase: sqlite3 or pgx")
	rawDSN := flag.String("raw-dsn", "", "DSN of the database syncd uses, for the raw-insert phase")
	rawFull := flag.Bool("raw-full", false, "raw phase inserts the full write (person, link, audit event) in one transaction")
	pages := flag.Int("pages", 200, "requests of the page phase (GET startIndex at 90% of -users, count=100)")
	contains := flag.Int("contains", 200, `requests of the contains phase (filter displayName co "ab", count=200)`)
	pid := flag.Int("pid", 0, "syncd's process id, to report its peak RSS (VmHWM) at the end")
	table := flag.Bool("table", false, "print issue 19's table of goals at the end")
	groupOps := flag.Int("group-ops", 4000, "requests of the group-members phase (PATCH add or remove of one member, Entra-style)")
	groupCount := flag.Int("groups", 10, "groups the group-members phase creates and changes")
	metricsURL := flag.String("metrics", "", "syncd's /metrics URL, to report statements per request and the audit head's hold per phase")
	flag.Parse()
	want := map[string]bool{}
	for _, p := range strings.Split(*phases, ",") {
		want[strings.TrimSpace(p)] = true
	}
	if *tok == "" {
		fmt.Fprintln(os.Stderr, "scimload: -token or $SCIM_TOKEN is required")
		os.Exit(2)
	}
	l := &loader{base: *base, token: *tok, auth: "Bearer " + *tok, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *clients * 2}},
		metrics: *metricsURL}
	ids := make([]string, *users)
	defer func() {
		if *pid > 0 {
			l.rss = peakRSS(*pid)
			fmt.Printf("peak RSS of syncd (pid %d): %d MB\n", *pid, l.rss>>20)
		}
		if *table {
			l.printTable()
		}
	}()
	if *rawDriver != "" {
		if *rawFull {
			rawFullInsert(l, *rawDriver, *rawDSN, *prefix, *users, *clients)
		} else {
			rawInsert(l, *rawDriver, *rawDSN, *prefix, *users, *clients)
		}
	}
	if want["create"] {
		l.phase("create", *users, *clients, func(i int) (int, error) {
			u := user(*prefix, i)
			// Entra sends the manager once it exists: every user but the
			// first ten names an earlier one.
			if m := i / 10; i >= 10 && ids[m] != "" {
				u[enterprise].(map[string]any)["manager"] = map[string]any{"value": ids[m]}
			}
			code, body, err := l.do("POST", "/Users", u)
			if err == nil && code == 201 {
				var r struct{ ID string }
				_ = json.Unmarshal(body, &r)
				ids[i] = r.ID
			}
			return code, err
		}, 201)
	}
	if want["filtered-get"] {
		l.phase("filtered-get", *gets, *clients, func(i int) (int, error) {
			n := rand.IntN(*users)
			name := *prefix + "-" + strconv.Itoa(n) + "@bench.test"
			code, err := l.get("/Users?filter="+url.QueryEscape(`userName eq "`+name+`"`), func(body []byte) bool {
				// What an IdP reads before its change: exactly one user,
				// the one asked for, and its id.
				var r struct {
					TotalResults int
					Resources    []struct{ ID, UserName string }
				}
				return json.Unmarshal(body, &r) == nil && r.TotalResults == 1 && len(r.Resources) == 1 &&
					r.Resources[0].ID != "" && strings.EqualFold(r.Resources[0].UserName, name)
			})
			return code, err
		}, 200)
	}
	if want["group-members"] {
		groupMembers(l, *prefix, ids, *groupCount, *groupOps, *clients)
	}
	if want["page"] {
		start := *users * 9 / 10
		l.phase("page", *pages, 1, func(i int) (int, error) {
			code, body, err := l.do("GET", fmt.Sprintf("/Users?startIndex=%d&count=100", start+i%100), nil)
			if err == nil && code == 200 && bytes.Count(body, []byte(`"userName"`)) != 100 {
				code = 598 // not a full page
			}
			return code, err
		}, 200)
	}
	if want["contains"] {
		f := url.QueryEscape(`displayName co "ab"`)
		l.phase("contains", *contains, 1, func(i int) (int, error) {
			code, body, err := l.do("GET", fmt.Sprintf("/Users?filter=%s&count=200&startIndex=%d", f, 1+(i%10)*200), nil)
			if err == nil && code == 200 && bytes.Count(body, []byte(`"userName"`)) != 200 {
				code = 598 // not a full page
			}
			return code, err
		}, 200)
	}
	if !want["mixed"] {
		return
	}
	var created atomic.Int64
	l.phase("mixed", *mixed, *clients, func(i int) (int, error) {
		n := rand.IntN(*users)
		switch r := rand.IntN(10); {
		case r < 6:
			f := url.QueryEscape(fmt.Sprintf(`userName eq "%s-%d@bench.test"`, *prefix, n))
			code, _, err := l.do("GET", "/Users?filter="+f, nil)
			return code, err
		case r < 9:
			body := map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
				"Operations": []any{map[string]any{"op": "Replace", "path": "title", "value": fmt.Sprintf("Title %d", i)}}}
			code, _, err := l.do("PATCH", "/Users/"+ids[n], body)
			if code == 200 {
				code = 201 // counted as success below
			}
			return code, err
		default:
			code, _, err := l.do("POST", "/Users", user(*prefix+"-mixed", int(created.Add(1))))
			return code, err
		}
	}, 200, 201)
}

const enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// Given names of which 5 of 20 contain "ab" (in any case), family names
// none: a quarter of the users match displayName co "ab".
var (
	givenNames = []string{"Abigail", "Gabriel", "Fabian", "Sabine", "Rabia", "Anna", "Lukas", "Marie", "Jonas", "Lea",
		"Noah", "Emma", "Paul", "Mia", "Elias", "Sofia", "Felix", "Lina", "Leon", "Clara"}
	familyNames = []string{"Meyer", "Schmidt", "Novak", "Rossi", "Garcia", "Silva", "Kowalski", "Jensen", "Dubois",
		"Horvat", "Popescu", "Nielsen", "Costa", "Virtanen", "Murphy", "Olsen", "Kovacs", "Berg", "Martin", "Lopez"}
)

func user(prefix string, i int) map[string]any {
	given := givenNames[(i*7+i/20)%len(givenNames)]
	family := familyNames[(i/3)%len(familyNames)]
	return map[string]any{
		"schemas":     []string{"urn:ietf:params:scim:schemas:core:2.0:User", enterprise},
		"userName":    fmt.Sprintf("%s-%d@bench.test", prefix, i),
		"externalId":  fmt.Sprintf("%s-%d", prefix, i),
		"active":      true,
		"displayName": given + " " + family,
		"title":       fmt.Sprintf("Title %d", i%50),
		"name":        map[string]any{"givenName": given, "familyName": family},
		"emails":      []any{map[string]any{"primary": true, "type": "work", "value": fmt.Sprintf("%s-%d@bench.test", prefix, i)}},
		enterprise: map[string]any{
			"employeeNumber": fmt.Sprintf("%s-%d", prefix, i), "department": fmt.Sprintf("Dept%d", i%20),
		},
	}
}

type loader struct {
	base, token string
	auth        string // "Bearer " + token
	client      *http.Client
	results     map[string]result
	rss         int64
	metrics     string // syncd's /metrics; "" for none
}

// result is one phase's figures.
type result struct {
	n             int
	rate          float64
	p50, p99, max time.Duration
	failures      int
	work          string // statements per request, audit head hold
}

// bodies are response buffers reused across requests: the load
// generator shares the machine with syncd, so its own allocations cost
// syncd CPU.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// get sends a GET and checks its 200 response with ok (which must not
// keep the body); a response ok rejects counts as status 599.
func (l *loader) get(path string, ok func(body []byte) bool) (int, error) {
	req, err := http.NewRequestWithContext(context.Background(), "GET", l.base+path, nil)
	if err != nil {
		return 0, err
	}
	req.Header["Authorization"] = []string{l.auth}
	res, err := l.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	buf := bodies.Get().(*bytes.Buffer)
	defer bodies.Put(buf)
	buf.Reset()
	if _, err := buf.ReadFrom(res.Body); err != nil {
		return 0, err
	}
	if res.StatusCode == 200 && !ok(buf.Bytes()) {
		return 599, nil
	}
	return res.StatusCode, nil
}

func (l *loader) do(method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, l.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header["Authorization"] = []string{l.auth}
	req.Header.Set("Content-Type", "application/scim+json")
	res, err := l.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// phase runs n requests over the given number of clients and prints the
// rate and latency percentiles; codes lists the statuses that count as
// success.
func (l *loader) phase(name string, n, clients int, fn func(i int) (int, error), codes ...int) {
	var (
		next     atomic.Int64
		mu       sync.Mutex
		lat      = make([]time.Duration, 0, n)
		failures = map[string]int{}
		wg       sync.WaitGroup
	)
	metricsURL := l.metrics
	if strings.HasPrefix(name, "raw") {
		metricsURL = "" // the floor does not go through syncd
	}
	before := scrapeStoreWork(metricsURL)
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				t0 := time.Now()
				code, err := fn(i)
				d := time.Since(t0)
				mu.Lock()
				lat = append(lat, d)
				switch {
				case err != nil:
					failures[err.Error()]++
				case !slices.Contains(codes, code):
					failures[fmt.Sprint(code)]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	work := workNote(before, scrapeStoreWork(metricsURL), n)
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(float64(len(lat))*p))]
	}
	fmt.Printf("%-13s n=%d clients=%d elapsed=%s rate=%.0f/s p50=%s p99=%s max=%s failures=%v%s\n",
		name, n, clients, el.Round(time.Millisecond), float64(n)/el.Seconds(),
		pct(0.50).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond), pct(1).Round(time.Millisecond), failures, work)
	nf := 0
	for _, c := range failures {
		nf += c
	}
	if l.results == nil {
		l.results = map[string]result{}
	}
	l.results[name] = result{n: n, rate: float64(n) / el.Seconds(), p50: pct(0.5), p99: pct(0.99), max: pct(1), failures: nf, work: work}
}

// rawInsert inserts n users' rows (id, userName, the JSON document) with
// one autocommitted INSERT each from the given number of clients, into a
// scratch table it creates, and prints the phase like the others.
func rawInsert(l *loader, driver, dsn, prefix string, n, clients int) {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		fmt.Fprintln(os.Stderr, "scimload: raw:", err)
		os.Exit(1)
	}
	defer db.Close()
	db.SetMaxOpenConns(clients)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS scimload_raw (id TEXT PRIMARY KEY, user_name TEXT NOT NULL, raw TEXT NOT NULL)"); err != nil {
		fmt.Fprintln(os.Stderr, "scimload: raw:", err)
		os.Exit(1)
	}
	q := "INSERT INTO scimload_raw (id, user_name, raw) VALUES (?, ?, ?)"
	if driver == "pgx" {
		q = "INSERT INTO scimload_raw (id, user_name, raw) VALUES ($1, $2, $3)"
	}
	l.phase("raw-insert", n, clients, func(i int) (int, error) {
		u := user(prefix+"-raw", i)
		doc, _ := json.Marshal(u)
		if _, err := db.ExecContext(ctx, q, fmt.Sprintf("%s-raw-%d", prefix, i), u["userName"], string(doc)); err != nil {
			return 0, err
		}
		return 201, nil
	}, 201)
}
