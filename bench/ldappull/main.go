// Command ldappull is the whole-process LDAP pull benchmark: it loads a
// realistic generated directory (ldaptest.Org: a management tree, leavers,
// disabled and locked-out people, an all-staff group, department, team
// and app groups of skewed size, service accounts, some misplaced among
// people) into a real slapd, then times syncd sync on each database
// (first import, no-change incremental, no-change full reconciliation, an
// incremental run with 1% of the people changed) against ldapsearch
// dumping the same entries and attributes with paging, the floor. Run it
// through bench/ldap-pull.sh.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/syncd-dev/syncd/internal/ldap/ldaptest"
)

type options struct {
	people, pageSize, parallel int
	syncd, dir, logLevel       string
	dbs                        []string
	postgresDSN                string
	combine                    string
}

func main() {
	var o options
	flag.IntVar(&o.people, "people", 100000, "people in the directory")
	flag.StringVar(&o.syncd, "syncd", "", "path to the syncd binary")
	flag.StringVar(&o.dir, "dir", "", "work directory (default: a new temporary one)")
	flag.IntVar(&o.pageSize, "page", 1000, "LDAP page size")
	flag.StringVar(&o.logLevel, "log", "warn", "syncd log level (debug shows the time of each phase)")
	flag.IntVar(&o.parallel, "parallel", 2, "ldap.parallel: entryUUID ranges read at once in full runs")
	flag.StringVar(&o.combine, "combine", "or", `serviceAccounts.combine; "" configures the services base only (for syncd builds before combine existed)`)
	db := flag.String("db", "sqlite,postgres", "databases to run, comma-separated (sqlite, postgres)")
	flag.StringVar(&o.postgresDSN, "postgres", os.Getenv("SYNCD_BENCH_POSTGRES_DSN"), "PostgreSQL DSN (a schema is created per run); default $SYNCD_BENCH_POSTGRES_DSN")
	flag.Parse()
	o.dbs = strings.Split(*db, ",")
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "ldappull:", err)
		os.Exit(1)
	}
}

const suffix = "dc=example,dc=org"

func run(o options) error {
	if o.syncd == "" {
		return fmt.Errorf("-syncd is required")
	}
	if o.dir == "" {
		var err error
		if o.dir, err = os.MkdirTemp("", "ldappull-"); err != nil {
			return err
		}
		defer os.RemoveAll(o.dir)
	}
	if err := os.MkdirAll(o.dir, 0o700); err != nil {
		return err
	}
	org := ldaptest.Org{Suffix: suffix, People: o.people, ServiceAccounts: max(4, o.people/50), Misplaced: max(1, o.people/10000)}
	ldifPath := filepath.Join(o.dir, "org.ldif")
	f, err := os.Create(ldifPath)
	if err != nil {
		return err
	}
	if err := org.Write(f); err != nil {
		return err
	}
	f.Close()

	t0 := time.Now()
	srv, stop, err := ldaptest.Launch(filepath.Join(o.dir, "slapd"), ldaptest.Options{LDIFFile: ldifPath, MaxSizeMB: 8192})
	if err != nil {
		return err
	}
	defer stop()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() { <-sig; stop(); os.Exit(130) }()
	fmt.Printf("directory: %d people (%d leavers/disabled, %d locked out), %d groups, %d service accounts (+%d misplaced among people); slapadd + start %s\n",
		org.People, count(org.People, org.Disabled), count(org.People, org.LockedOut), org.Groups(), org.ServiceAccounts, org.Misplaced,
		time.Since(t0).Round(time.Millisecond))

	floor, err := ldapsearchFloor(srv, o.pageSize)
	if err != nil {
		return err
	}
	fmt.Printf("ldapsearch paged dump of the same entries and attributes (people, groups with members, service accounts): %.2f s\n\n", floor.Seconds())

	for round, db := range o.dbs {
		if err := runDB(o, srv, org, db, round, floor); err != nil {
			return fmt.Errorf("%s: %w", db, err)
		}
	}
	return nil
}

func count(n int, f func(int) bool) int {
	c := 0
	for i := range n {
		if f(i) {
			c++
		}
	}
	return c
}

// ldapsearchFloor times ldapsearch reading what a full pull reads: the
// people's mapped attributes, the groups' members, the service accounts.
func ldapsearchFloor(srv *ldaptest.Server, pageSize int) (time.Duration, error) {
	base := []string{"-x", "-LLL", "-H", srv.URL, "-D", srv.ReaderDN, "-w", srv.ReaderPassword, "-E", fmt.Sprintf("pr=%d/noprompt", pageSize)}
	people := []string{"entryUUID", "manager", "modifyTimestamp", "uid", "mail", "givenName", "sn", "cn",
		"employeeNumber", "title", "departmentNumber", "o", "pwdAccountLockedTime"}
	searches := [][]string{
		append(append(append([]string{}, base...), "-b", "ou=people,"+suffix, "(objectClass=inetOrgPerson)"), people...),
		append(append([]string{}, base...), "-b", "ou=groups,"+suffix, "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))",
			"entryUUID", "cn", "description", "member", "uniqueMember"),
		append(append(append([]string{}, base...), "-b", "ou=services,"+suffix, "(objectClass=inetOrgPerson)"), append(people, "description")...),
	}
	var total time.Duration
	for _, args := range searches {
		took, _, err := timed(nil, "ldapsearch", args...)
		if err != nil {
			return 0, err
		}
		total += took
	}
	return total, nil
}

func runDB(o options, srv *ldaptest.Server, org ldaptest.Org, db string, round int, floor time.Duration) error {
	var storage string
	switch db {
	case "sqlite":
		storage = fmt.Sprintf("  driver: sqlite\n  dsn: %q\n", filepath.Join(o.dir, "syncd.db"))
	case "postgres":
		if o.postgresDSN == "" {
			return fmt.Errorf("no PostgreSQL DSN: set -postgres or SYNCD_BENCH_POSTGRES_DSN")
		}
		dsn, drop, err := newSchema(o.postgresDSN)
		if err != nil {
			return err
		}
		defer drop()
		storage = fmt.Sprintf("  driver: postgres\n  dsn: %q\n", dsn)
	default:
		return fmt.Errorf("unknown database %q (sqlite or postgres)", db)
	}
	combine := ""
	if o.combine != "" {
		combine = `, namePatterns: ["svc-*"], combine: ` + o.combine
	}
	cfg := filepath.Join(o.dir, "syncd-"+db+".yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`storage:
%s  autoMigrate: true
log:
  level: %s
sources:
  - name: corp
    role: directory
    type: ldap
    interval: 15m
    ldap:
      url: %s
      bindDN: %s
      bindPasswordEnv: BENCH_LDAP_PASSWORD
      preset: openldap
      pageSize: %d
      parallel: %d
      people: {baseDN: "ou=people,%s"}
      groups: {baseDN: "ou=groups,%s"}
      serviceAccounts: {baseDN: "ou=services,%s"%s}
`, storage, o.logLevel, srv.URL, srv.ReaderDN, o.pageSize, o.parallel, suffix, suffix, suffix, combine)), 0o600); err != nil {
		return err
	}
	env := append(os.Environ(), "BENCH_LDAP_PASSWORD="+srv.ReaderPassword)

	fmt.Printf("== %s ==\n", db)
	fmt.Printf("| %-30s | %9s | %8s | %13s | %-10s | %s\n", "step", "seconds", "peak MB", "x ldapsearch", "goal", "summary")
	fmt.Printf("|%s|%s|%s|%s|%s|\n", strings.Repeat("-", 32), strings.Repeat("-", 11), strings.Repeat("-", 10), strings.Repeat("-", 15), strings.Repeat("-", 12))
	step := func(name, goal string, args ...string) error {
		took, out, err := timed(env, o.syncd, args...)
		if err != nil {
			return fmt.Errorf("%s: %w\n%s", name, err, out.text)
		}
		fmt.Printf("| %-30s | %9.2f | %8.0f | %12.1fx | %-10s | %s\n", name, took.Seconds(), out.peakMB, took.Seconds()/floor.Seconds(), goal,
			strings.Join(strings.Fields(out.text), " "))
		return nil
	}
	if err := step("first import", "<= 20 s", "sync", "--config", cfg, "--source", "corp"); err != nil {
		return err
	}
	if err := step("no-change incremental", "<= 2x", "sync", "--config", cfg, "--source", "corp"); err != nil {
		return err
	}
	if err := step("no-change full", "<= 2x", "sync", "--config", cfg, "--source", "corp", "--full"); err != nil {
		return err
	}
	var b strings.Builder
	changed := max(1, org.People/100)
	for i := 0; i < changed; i++ {
		fmt.Fprintf(&b, "dn: %s\nchangetype: modify\nreplace: title\ntitle: Changed %d/%d\n\n", org.PersonDN(i*100%org.People), round, i)
	}
	if err := srv.Apply(b.String()); err != nil {
		return err
	}
	if err := step(fmt.Sprintf("1%% changed (%d), incremental", changed), "<= 2 s", "sync", "--config", cfg, "--source", "corp"); err != nil {
		return err
	}
	fmt.Printf("(floor: ldapsearch %.2f s; peak RSS goal <= 300 MB)\n\n", floor.Seconds())
	return nil
}

// newSchema creates a fresh PostgreSQL schema with psql and returns a DSN
// using it, and the function that drops it.
func newSchema(dsn string) (string, func(), error) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "bench_" + hex.EncodeToString(b)
	psql := func(sql string) error {
		out, err := exec.Command("psql", dsn, "-v", "ON_ERROR_STOP=1", "-qc", sql).CombinedOutput()
		if err != nil {
			return fmt.Errorf("psql %q: %w\n%s", sql, err, out)
		}
		return nil
	}
	if err := psql("CREATE SCHEMA " + schema); err != nil {
		return "", nil, err
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() { _ = psql("DROP SCHEMA " + schema + " CASCADE") }, nil
}

type output struct {
	text   string
	peakMB float64
}

// timed runs a command, discarding stdout for ldapsearch, and returns its
// wall time, output and peak resident memory.
func timed(env []string, name string, args ...string) (time.Duration, output, error) {
	cmd := exec.Command(name, args...)
	if env != nil {
		cmd.Env = env
	}
	var sb strings.Builder
	if name != "ldapsearch" { // ldapsearch's dump goes to /dev/null
		cmd.Stdout = &sb
	}
	cmd.Stderr = &sb
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	out := output{text: sb.String()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		out.peakMB = float64(ru.Maxrss) / 1024
	}
	return took, out, err
}
