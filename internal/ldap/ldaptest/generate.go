package ldaptest

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Directory describes a generated directory: People persons in a
// management tree (each person's manager is person (i-1)/10), spread over
// departments and titles, every 50th locked by ppolicy, every 7th with a
// non-ASCII name; Groups groupOfNames with person i in group i%Groups
// (memberOf written into the LDIF, as slapadd runs no overlays); and
// ServiceAccounts under ou=services whose owner (the manager attribute) is
// a real person, a DN that names nobody, or absent, in turn.
type Directory struct {
	People          int
	Groups          int
	ServiceAccounts int
}

// Departments and Titles are what generated persons get, by i modulo
// their length.
var (
	Departments = []string{"Finance", "Engineering", "Sales", "Support", "Legal"}
	Titles      = []string{"Accountant", "Engineer", "Account Executive", "Agent", "Counsel", "Manager"}
)

// PersonDN is the DN of generated person i.
func PersonDN(suffix string, i int) string { return fmt.Sprintf("uid=%s,ou=people,%s", UID(i), suffix) }

// UID is the login of generated person i.
func UID(i int) string { return fmt.Sprintf("u%06d", i) }

// EmployeeNumber of generated person i.
func EmployeeNumber(i int) string { return fmt.Sprintf("E%06d", i) }

// GroupDN is the DN of generated group g.
func GroupDN(suffix string, g int) string {
	return fmt.Sprintf("cn=group-%03d,ou=groups,%s", g, suffix)
}

// ServiceDN is the DN of generated service account k.
func ServiceDN(suffix string, k int) string {
	return fmt.Sprintf("uid=svc-%04d,ou=services,%s", k, suffix)
}

// Locked reports whether generated person i is locked by ppolicy.
func Locked(i int) bool { return i%50 == 49 }

// GivenName of generated person i; every 7th is non-ASCII.
func GivenName(i int) string {
	if i%7 == 0 {
		return "Zoë-Ångström"
	}
	return "Given"
}

// Generate returns d as LDIF for Options.LDIF.
func Generate(suffix string, d Directory) string {
	var b strings.Builder
	_ = Write(&b, suffix, d)
	return b.String()
}

// Write streams d as LDIF to w (for large benchmark directories).
func Write(w io.Writer, suffix string, d Directory) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	for i := 0; i < d.People; i++ {
		uid := UID(i)
		fmt.Fprintf(bw, "dn: %s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s Person %d\nsn: Person %d\ngivenName: %s\n",
			PersonDN(suffix, i), uid, GivenName(i), i, i, GivenName(i))
		fmt.Fprintf(bw, "mail: %s@example.org\nemployeeNumber: %s\ntitle: %s\nou: %s\ndepartmentNumber: %s\n",
			uid, EmployeeNumber(i), Titles[i%len(Titles)], Departments[i%len(Departments)], Departments[i%len(Departments)])
		if i > 0 {
			fmt.Fprintf(bw, "manager: %s\n", PersonDN(suffix, (i-1)/10))
		}
		if Locked(i) {
			fmt.Fprintf(bw, "pwdAccountLockedTime: 000001010000Z\n")
		}
		if d.Groups > 0 {
			fmt.Fprintf(bw, "memberOf: %s\n", GroupDN(suffix, i%d.Groups))
		}
		fmt.Fprintf(bw, "userPassword: pw-%s\n\n", uid)
	}
	for g := 0; g < d.Groups; g++ {
		fmt.Fprintf(bw, "dn: %s\nobjectClass: groupOfNames\ncn: group-%03d\ndescription: generated group %d\n", GroupDN(suffix, g), g, g)
		n := 0
		for i := g; i < d.People; i += d.Groups {
			fmt.Fprintf(bw, "member: %s\n", PersonDN(suffix, i))
			n++
		}
		if n == 0 {
			// groupOfNames requires a member; the suffix stands in.
			fmt.Fprintf(bw, "member: %s\n", suffix)
		}
		fmt.Fprintln(bw)
	}
	for k := 0; k < d.ServiceAccounts; k++ {
		fmt.Fprintf(bw, "dn: %s\nobjectClass: inetOrgPerson\nuid: svc-%04d\ncn: svc-%04d\nsn: service\ndescription: generated service account %d\n",
			ServiceDN(suffix, k), k, k, k)
		switch k % 3 {
		case 0:
			if d.People > 0 {
				fmt.Fprintf(bw, "manager: %s\n", PersonDN(suffix, k%d.People))
			}
		case 1:
			fmt.Fprintf(bw, "manager: uid=nobody-%d,ou=people,%s\n", k, suffix)
		}
		fmt.Fprintln(bw)
	}
	return bw.Flush()
}
