package ldaptest

import (
	"os/exec"
	"strings"
	"testing"
)

// TestStartServesGeneratedDirectory checks the fixture itself: slapd runs,
// the reader sees the generated entries (beyond the 500 default size
// limit), and anonymous reads are refused.
func TestStartServesGeneratedDirectory(t *testing.T) {
	s := Start(t, Options{LDIF: Generate("dc=example,dc=org", Directory{People: 600, Groups: 3, ServiceAccounts: 3})})
	search, err := lookPath("ldapsearch")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(search, "-x", "-LLL", "-H", s.URL, "-D", s.ReaderDN, "-w", s.ReaderPassword,
		"-b", "ou=people,"+s.Suffix, "(objectClass=inetOrgPerson)", "entryUUID").CombinedOutput()
	if err != nil {
		t.Fatalf("ldapsearch as reader: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), "entryUUID: "); n != 600 {
		t.Fatalf("reader saw %d people, want 600", n)
	}
	out, err = exec.Command(search, "-x", "-LLL", "-H", s.URL, "-b", s.Suffix, "(objectClass=*)").CombinedOutput()
	if err == nil {
		t.Fatalf("anonymous search succeeded:\n%s", out)
	}
	s.Modify(t, "dn: "+PersonDN(s.Suffix, 1)+"\nchangetype: modify\nreplace: title\ntitle: Chief\n")
}
