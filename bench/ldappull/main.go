// Command ldappull is the whole-process LDAP pull benchmark: it loads a
// generated directory into a real slapd, then times syncd sync (first full
// import, no-change incremental and full resyncs, an incremental run with
// 1% of the people changed) against ldapsearch dumping the same people
// and attributes with paging, the floor. Run it through bench/ldap-pull.sh.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/syncd-dev/syncd/internal/ldap/ldaptest"
)

func main() {
	people := flag.Int("people", 100000, "people in the directory")
	syncd := flag.String("syncd", "", "path to the syncd binary")
	dir := flag.String("dir", "", "work directory (default: a new temporary one)")
	pageSize := flag.Int("page", 1000, "LDAP page size")
	logLevel := flag.String("log", "warn", "syncd log level (debug shows the time of each phase)")
	parallel := flag.Int("parallel", 2, "ldap.parallel: entryUUID ranges read at once in full runs")
	flag.Parse()
	if err := run(*people, *syncd, *dir, *pageSize, *logLevel, *parallel); err != nil {
		fmt.Fprintln(os.Stderr, "ldappull:", err)
		os.Exit(1)
	}
}

func run(people int, syncd, dir string, pageSize int, logLevel string, parallel int) error {
	if syncd == "" {
		return fmt.Errorf("-syncd is required")
	}
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "ldappull-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	const suffix = "dc=example,dc=org"
	ldifPath := filepath.Join(dir, "people.ldif")
	f, err := os.Create(ldifPath)
	if err != nil {
		return err
	}
	d := ldaptest.Directory{People: people, Groups: 100, ServiceAccounts: 50}
	if err := ldaptest.Write(f, suffix, d); err != nil {
		return err
	}
	f.Close()

	t0 := time.Now()
	srv, stop, err := ldaptest.Launch(filepath.Join(dir, "slapd"), ldaptest.Options{LDIFFile: ldifPath, MaxSizeMB: 8192})
	if err != nil {
		return err
	}
	defer stop()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() { <-sig; stop(); os.Exit(130) }()
	fmt.Printf("directory: %d people, %d groups, %d service accounts; slapadd + start %s\n", people, d.Groups, d.ServiceAccounts, since(t0))

	cfg := filepath.Join(dir, "syncd.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`storage:
  driver: sqlite
  dsn: %q
  autoMigrate: true
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
      serviceAccounts: {baseDN: "ou=services,%s"}
`, filepath.Join(dir, "syncd.db"), logLevel, srv.URL, srv.ReaderDN, pageSize, parallel, suffix, suffix, suffix)), 0o600); err != nil {
		return err
	}
	env := append(os.Environ(), "BENCH_LDAP_PASSWORD="+srv.ReaderPassword)

	attrs := []string{"entryUUID", "manager", "modifyTimestamp", "uid", "mail", "givenName", "sn", "cn",
		"employeeNumber", "title", "departmentNumber", "o", "pwdAccountLockedTime"}
	floor, _, err := timed(nil, "ldapsearch", append([]string{"-x", "-LLL", "-H", srv.URL, "-D", srv.ReaderDN, "-w", srv.ReaderPassword,
		"-b", "ou=people," + suffix, "-E", fmt.Sprintf("pr=%d/noprompt", pageSize), "(objectClass=inetOrgPerson)"}, attrs...)...)
	if err != nil {
		return err
	}
	fmt.Printf("%-34s %10s %10s  %s\n", "step", "seconds", "peak MB", "summary")
	fmt.Printf("%-34s %10.2f %10s  paged, same people and attributes\n", "ldapsearch dump (floor)", floor.Seconds(), "-")

	step := func(name string, args ...string) error {
		took, out, err := timed(env, syncd, args...)
		if err != nil {
			return fmt.Errorf("%s: %w\n%s", name, err, out.text)
		}
		fmt.Printf("%-34s %10.2f %10.0f  %s\n", name, took.Seconds(), out.peakMB, strings.TrimSpace(out.text))
		return nil
	}
	if err := step("first full import", "sync", "--config", cfg, "--source", "corp"); err != nil {
		return err
	}
	if err := step("no-change resync (full read)", "sync", "--config", cfg, "--source", "corp", "--full"); err != nil {
		return err
	}
	if err := step("no-change incremental", "sync", "--config", cfg, "--source", "corp"); err != nil {
		return err
	}
	var b strings.Builder
	changed := people / 100
	for i := 0; i < changed; i++ {
		fmt.Fprintf(&b, "dn: %s\nchangetype: modify\nreplace: title\ntitle: Changed %d\n\n", ldaptest.PersonDN(suffix, i*100), i)
	}
	if err := srv.Apply(b.String()); err != nil {
		return err
	}
	if err := step(fmt.Sprintf("incremental, 1%% changed (%d)", changed), "sync", "--config", cfg, "--source", "corp"); err != nil {
		return err
	}
	fmt.Printf("ratio no-change full resync / ldapsearch: see rows above (floor %.2fs)\n", floor.Seconds())
	return nil
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

func since(t time.Time) string { return time.Since(t).Round(time.Millisecond).String() }
