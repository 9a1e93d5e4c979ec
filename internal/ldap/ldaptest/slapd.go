package ldaptest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a running slapd.
type Server struct {
	URL      string // ldap://127.0.0.1:PORT
	LDAPSURL string // ldaps://127.0.0.1:PORT when Options.TLS, else ""
	CAFile   string // PEM of the CA that signed the server certificate (TLS only)
	Suffix   string
	// Reader is the read-only account syncd binds as; anonymous reads are
	// denied.
	ReaderDN, ReaderPassword string
	// Writer may change the member attribute of groups under ou=groups
	// and nothing else (the group writer's separate write bind).
	WriterDN, WriterPassword string
	// Admin is the rootdn, for changing the directory in tests.
	AdminDN, AdminPassword string
	Dir                    string

	pid int
}

// Options shape the server. LDIF is bulk-loaded with slapadd before start.
type Options struct {
	Suffix string // default dc=example,dc=org
	LDIF   string
	// LDIFFile is a further LDIF file to bulk-load (large directories).
	LDIFFile string
	TLS      bool
	// MaxSizeMB is the mdb maxsize; default 1024.
	MaxSizeMB int
}

// binaries fails the test when slapd or ldap-utils are missing: they are
// test dependencies scripts/test-all.sh installs, never a reason to skip.
func binaries(t testing.TB) {
	t.Helper()
	for _, b := range []string{"slapd", "slapadd", "ldapmodify"} {
		if _, err := lookPath(b); err != nil {
			t.Fatalf("ldaptest: %s not found (install the Debian packages slapd and ldap-utils; scripts/test-all.sh does): %v", b, err)
		}
	}
}

func lookPath(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/usr/bin"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: not in PATH, /usr/sbin or /usr/bin", name)
}

// Start runs slapd until the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	binaries(t)
	s, stop, err := Launch(t.TempDir(), o)
	if err != nil {
		t.Fatalf("ldaptest: %v", err)
	}
	t.Cleanup(stop)
	return s
}

// Launch runs slapd from dir (bulk-loading o.LDIF and, when
// o.LDIFFile is set, that file) and returns it with the function that
// stops it. Start is the form tests use; benchmarks call Launch.
func Launch(dir string, o Options) (*Server, func(), error) {
	if o.Suffix == "" {
		o.Suffix = "dc=example,dc=org"
	}
	if o.MaxSizeMB == 0 {
		o.MaxSizeMB = 1024
	}
	s := &Server{
		Suffix: o.Suffix, Dir: dir,
		ReaderDN: "cn=reader," + o.Suffix, ReaderPassword: "reader-secret",
		WriterDN: "cn=writer," + o.Suffix, WriterPassword: "writer-secret",
		AdminDN: "cn=admin," + o.Suffix, AdminPassword: "admin-secret",
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
		return nil, nil, err
	}
	var tlsConf string
	if o.TLS {
		ca, cert, key, err := writeCerts(dir)
		if err != nil {
			return nil, nil, fmt.Errorf("certificates: %w", err)
		}
		s.CAFile = ca
		tlsConf = fmt.Sprintf("TLSCACertificateFile %s\nTLSCertificateFile %s\nTLSCertificateKeyFile %s\n", ca, cert, key)
	}
	conf := filepath.Join(dir, "slapd.conf")
	if err := os.WriteFile(conf, []byte(slapdConf(dir, o, s, tlsConf)), 0o600); err != nil {
		return nil, nil, err
	}
	ldif := filepath.Join(dir, "load.ldif")
	if err := os.WriteFile(ldif, []byte(baseLDIF(o.Suffix, s.ReaderPassword, s.WriterPassword)+o.LDIF), 0o600); err != nil {
		return nil, nil, err
	}
	for _, f := range []string{ldif, o.LDIFFile} {
		if f == "" {
			continue
		}
		if out, err := run("slapadd", "-q", "-f", conf, "-l", f); err != nil {
			return nil, nil, fmt.Errorf("slapadd %s: %w\n%s", f, err, out)
		}
	}

	port, err := freePort()
	if err != nil {
		return nil, nil, err
	}
	urls := fmt.Sprintf("ldap://127.0.0.1:%d/", port)
	s.URL = fmt.Sprintf("ldap://127.0.0.1:%d", port)
	if o.TLS {
		tport, err := freePort()
		if err != nil {
			return nil, nil, err
		}
		urls += fmt.Sprintf(" ldaps://127.0.0.1:%d/", tport)
		s.LDAPSURL = fmt.Sprintf("ldaps://127.0.0.1:%d", tport)
	}
	slapd, err := lookPath("slapd")
	if err != nil {
		return nil, nil, err
	}
	logs := &syncBuffer{}
	cmd := exec.Command(slapd, "-f", conf, "-h", urls, "-d", "0")
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("start slapd: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	s.pid = cmd.Process.Pid
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return s, stop, nil
		}
		select {
		case err := <-done:
			return nil, nil, fmt.Errorf("slapd exited: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			stop()
			return nil, nil, fmt.Errorf("slapd did not listen within 15s\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer slapd's output goroutines may write to
// while a failure message reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func slapdConf(dir string, o Options, s *Server, tlsConf string) string {
	return fmt.Sprintf(`include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload syncprov
moduleload memberof
moduleload ppolicy
pidfile %[1]s/slapd.pid
argsfile %[1]s/slapd.args
disallow bind_anon
sizelimit 500
%[6]s
database mdb
suffix "%[2]s"
rootdn "%[3]s"
rootpw %[4]s
directory %[1]s/data
maxsize %[5]d
index objectClass eq
index entryUUID eq
index uid eq
limits dn.exact="%[7]s" size=unlimited time=unlimited
access to attrs=userPassword
  by anonymous auth
  by * none
access to dn.subtree="ou=groups,%[2]s" attrs=member
  by dn.exact="%[8]s" write
  by dn.exact="%[7]s" read
  by * none
access to *
  by dn.exact="%[7]s" read
  by * none
overlay syncprov
syncprov-checkpoint 100 10
overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
memberof-refint true
overlay ppolicy
`, dir, o.Suffix, s.AdminDN, s.AdminPassword, o.MaxSizeMB*1024*1024, tlsConf, s.ReaderDN, s.WriterDN)
}

func baseLDIF(suffix, readerPassword, writerPassword string) string {
	dc := strings.TrimPrefix(strings.SplitN(suffix, ",", 2)[0], "dc=")
	return fmt.Sprintf(`dn: %[1]s
objectClass: dcObject
objectClass: organization
dc: %[2]s
o: %[2]s

dn: cn=reader,%[1]s
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: reader
userPassword: %[3]s

dn: cn=writer,%[1]s
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: writer
userPassword: %[4]s

dn: ou=people,%[1]s
objectClass: organizationalUnit
ou: people

dn: ou=groups,%[1]s
objectClass: organizationalUnit
ou: groups

dn: ou=services,%[1]s
objectClass: organizationalUnit
ou: services

`, suffix, dc, readerPassword, writerPassword)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func run(name string, args ...string) ([]byte, error) {
	path, err := lookPath(name)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	return exec.CommandContext(ctx, path, args...).CombinedOutput()
}

// Modify applies LDIF change records (changetype: add/modify/delete/modrdn)
// as the admin with ldapmodify, so overlays (memberof, ppolicy) run.
func (s *Server) Modify(t testing.TB, ldif string) {
	t.Helper()
	if err := s.Apply(ldif); err != nil {
		t.Fatalf("ldaptest: %v\n--- ldif ---\n%s", err, ldif)
	}
}

// Apply is Modify returning its error, for benchmarks.
func (s *Server) Apply(ldif string) error {
	path, err := lookPath("ldapmodify")
	if err != nil {
		return err
	}
	cmd := exec.Command(path, "-x", "-H", s.URL, "-D", s.AdminDN, "-w", s.AdminPassword)
	cmd.Stdin = strings.NewReader(ldif)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("ldapmodify: %w\n%s", err, out)
	}
	return nil
}

// Members returns the member values of groupDN, read as the admin with
// ldapsearch.
func (s *Server) Members(t testing.TB, groupDN string) []string {
	t.Helper()
	path, err := lookPath("ldapsearch")
	if err != nil {
		t.Fatalf("ldaptest: %v", err)
	}
	out, err := exec.Command(path, "-x", "-LLL", "-o", "ldif-wrap=no", "-H", s.URL, "-D", s.AdminDN, "-w", s.AdminPassword,
		"-b", groupDN, "-s", "base", "(objectClass=*)", "member").CombinedOutput()
	if err != nil {
		t.Fatalf("ldaptest: ldapsearch %s: %v\n%s", groupDN, err, out)
	}
	var members []string
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "member: "); ok {
			members = append(members, v)
		} else if line == "member:" {
			members = append(members, "")
		}
	}
	return members
}

// PID is slapd's process id (benchmarks read its memory).
func (s *Server) PID() int { return s.pid }

// CPU is the processor time slapd has used so far (user and system, from
// /proc; 0 where there is none), for benchmarks that count the server's
// share of a read as well as syncd's.
func (s *Server) CPU() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses: state is
	// the first, utime and stime the 12th and 13th.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * (time.Second / 100) // USER_HZ is 100 on Linux
}
