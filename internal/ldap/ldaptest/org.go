package ldaptest

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Org is a realistic generated directory, the one correctness tests and
// bench/ldap-pull.sh share, so the benchmark pays what real directories
// cost: a management tree (fan-out 8), people in departments, leavers
// (admin-locked, still owning service accounts), disabled people,
// temporarily locked-out people (a failed-login lockout, which is not a
// disable), an all-staff group holding every person, a group per
// department and per team (a manager's reports), app groups of skewed
// (Zipf-like) size, and service accounts under ou=services, some
// misplaced among people, some members of app groups. Every property is a
// function of the index, so tests can compute what a pull must produce.
type Org struct {
	Suffix          string // default dc=example,dc=org
	People          int
	AppGroups       int // default People/200, at least 3
	ServiceAccounts int // under ou=services
	// Misplaced service accounts live under ou=people with a svc- login.
	Misplaced int
}

// Fanout is the number of reports a manager has in an Org.
const Fanout = 8

// OrgDepartments are the departments of an Org, by i modulo their length.
var OrgDepartments = []string{"Finance", "Engineering", "Sales", "Support", "Legal", "Marketing",
	"Operations", "Research", "HR", "IT", "Procurement", "Security"}

// AdminLockedTime is ppolicy's value for an account locked by an
// administrator; any other value is a failed-login lockout.
const AdminLockedTime = "000001010000Z"

// LockoutTime is the pwdAccountLockedTime generated for temporarily
// locked-out people.
const LockoutTime = "20261203093000Z"

func (o Org) suffix() string {
	if o.Suffix == "" {
		return "dc=example,dc=org"
	}
	return o.Suffix
}

// Apps is the number of app groups.
func (o Org) Apps() int {
	if o.AppGroups > 0 {
		return o.AppGroups
	}
	return max(3, o.People/200)
}

// UID is the login of person i.
func (o Org) UID(i int) string { return UID(i) }

// PersonDN is the DN of person i.
func (o Org) PersonDN(i int) string { return PersonDN(o.suffix(), i) }

// Manager is the index of person i's manager; -1 for the root.
func (o Org) Manager(i int) int {
	if i == 0 {
		return -1
	}
	return (i - 1) / Fanout
}

// IsManager reports whether person i has reports.
func (o Org) IsManager(i int) bool { return i*Fanout+1 < o.People }

// Department of person i.
func (o Org) Department(i int) string { return OrgDepartments[i%len(OrgDepartments)] }

// Leaver reports whether person i has left: admin-locked, still in the
// directory, possibly still owning service accounts.
func (o Org) Leaver(i int) bool { return i%61 == 11 }

// Disabled reports whether person i is disabled (admin-locked), leavers
// included.
func (o Org) Disabled(i int) bool { return o.Leaver(i) || i%53 == 7 }

// LockedOut reports whether person i is temporarily locked out after
// failed logins: active, not disabled.
func (o Org) LockedOut(i int) bool { return !o.Disabled(i) && i%97 == 5 }

// AllStaffDN is the group of every person.
func (o Org) AllStaffDN() string { return "cn=all-staff,ou=groups," + o.suffix() }

// DepartmentDN is the group of department d.
func (o Org) DepartmentDN(d string) string {
	return "cn=dept-" + strings.ToLower(d) + ",ou=groups," + o.suffix()
}

// TeamDN is the group of manager m's reports.
func (o Org) TeamDN(m int) string { return "cn=team-" + UID(m) + ",ou=groups," + o.suffix() }

// AppDN is app group k.
func (o Org) AppDN(k int) string { return fmt.Sprintf("cn=app-%04d,ou=groups,%s", k, o.suffix()) }

// InApp reports whether person i is in app group k: app k holds about
// 1/(2(k+1)) of the people, so a few apps are huge and most are small.
func (o Org) InApp(i, k int) bool { return mix(i, k)%uint64(2*(k+1)) == 0 }

// ServiceDN is service account k under ou=services.
func (o Org) ServiceDN(k int) string { return ServiceDN(o.suffix(), k) }

// MisplacedDN is misplaced service account k under ou=people.
func (o Org) MisplacedDN(k int) string {
	return fmt.Sprintf("uid=svc-p%04d,ou=people,%s", k, o.suffix())
}

// ServiceOwner is the owner of service account k: an active person
// (k%4==0), a leaver (1), a DN naming nobody (2), or none (3, ""). The
// index is -1 unless a person owns it.
func (o Org) ServiceOwner(k int) (dn string, person int) {
	switch k % 4 {
	case 0:
		i := (k * 37) % o.People
		for o.Disabled(i) {
			i = (i + 1) % o.People
		}
		return o.PersonDN(i), i
	case 1:
		leavers := (o.People - 11 + 60) / 61
		if leavers == 0 {
			return "", -1
		}
		i := 61*(k%leavers) + 11
		return o.PersonDN(i), i
	case 2:
		return fmt.Sprintf("uid=nobody-%d,ou=people,%s", k, o.suffix()), -1
	}
	return "", -1
}

// ServiceApp is the app group service account k is a member of (every
// other account), -1 for none.
func (o Org) ServiceApp(k int) int {
	if k%2 == 1 {
		return -1
	}
	return k % o.Apps()
}

// Groups is the number of groups generated.
func (o Org) Groups() int {
	teams := 0
	for m := 0; o.IsManager(m); m++ {
		teams++
	}
	return 1 + len(OrgDepartments) + teams + o.Apps()
}

// mix is a fixed hash of (i, k) (splitmix64), for skewed memberships
// that do not line up with the index.
func mix(i, k int) uint64 {
	z := uint64(i)*0x9E3779B97F4A7C15 + uint64(k)*0xBF58476D1CE4E5B9 + 0x94D049BB133111EB
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// LDIF returns o as LDIF for Options.LDIF.
func (o Org) LDIF() string {
	var b strings.Builder
	_ = o.Write(&b)
	return b.String()
}

// Write streams o as LDIF to w. memberOf is written on members (slapadd
// runs no overlays) so memberof's referential integrity works on deletes.
func (o Org) Write(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	apps := o.Apps()
	for i := 0; i < o.People; i++ {
		uid := UID(i)
		dept := o.Department(i)
		fmt.Fprintf(bw, "dn: %s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s Person %d\nsn: Person %d\ngivenName: %s\n",
			o.PersonDN(i), uid, GivenName(i), i, i, GivenName(i))
		fmt.Fprintf(bw, "mail: %s@example.org\nemployeeNumber: %s\ntitle: %s\ndepartmentNumber: %s\n",
			uid, EmployeeNumber(i), Titles[i%len(Titles)], dept)
		if m := o.Manager(i); m >= 0 {
			fmt.Fprintf(bw, "manager: %s\n", o.PersonDN(m))
		}
		switch {
		case o.Leaver(i):
			fmt.Fprintf(bw, "employeeType: leaver\npwdAccountLockedTime: %s\n", AdminLockedTime)
		case o.Disabled(i):
			fmt.Fprintf(bw, "pwdAccountLockedTime: %s\n", AdminLockedTime)
		case o.LockedOut(i):
			fmt.Fprintf(bw, "pwdAccountLockedTime: %s\n", LockoutTime)
		}
		fmt.Fprintf(bw, "memberOf: %s\nmemberOf: %s\n", o.AllStaffDN(), o.DepartmentDN(dept))
		if m := o.Manager(i); m >= 0 {
			fmt.Fprintf(bw, "memberOf: %s\n", o.TeamDN(m))
		}
		for k := 0; k < apps; k++ {
			if o.InApp(i, k) {
				fmt.Fprintf(bw, "memberOf: %s\n", o.AppDN(k))
			}
		}
		fmt.Fprintf(bw, "userPassword: pw-%s\n\n", uid)
	}
	for k := 0; k < o.Misplaced; k++ {
		fmt.Fprintf(bw, "dn: %s\nobjectClass: inetOrgPerson\nuid: svc-p%04d\ncn: svc-p%04d\nsn: service\ndescription: misplaced service account %d\n",
			o.MisplacedDN(k), k, k, k)
		if dn, _ := o.ServiceOwner(k); dn != "" {
			fmt.Fprintf(bw, "manager: %s\n", dn)
		}
		fmt.Fprintln(bw)
	}
	for k := 0; k < o.ServiceAccounts; k++ {
		fmt.Fprintf(bw, "dn: %s\nobjectClass: inetOrgPerson\nuid: svc-%04d\ncn: svc-%04d\nsn: service\ndescription: generated service account %d\n",
			o.ServiceDN(k), k, k, k)
		if dn, _ := o.ServiceOwner(k); dn != "" {
			fmt.Fprintf(bw, "manager: %s\n", dn)
		}
		if a := o.ServiceApp(k); a >= 0 {
			fmt.Fprintf(bw, "memberOf: %s\n", o.AppDN(a))
		}
		fmt.Fprintln(bw)
	}
	group := func(dn, cn, desc string, members func(emit func(string))) {
		fmt.Fprintf(bw, "dn: %s\nobjectClass: groupOfNames\ncn: %s\ndescription: %s\n", dn, cn, desc)
		n := 0
		members(func(m string) { fmt.Fprintf(bw, "member: %s\n", m); n++ })
		if n == 0 {
			fmt.Fprintf(bw, "member: %s\n", o.suffix()) // groupOfNames needs one
		}
		fmt.Fprintln(bw)
	}
	group(o.AllStaffDN(), "all-staff", "every person", func(emit func(string)) {
		for i := 0; i < o.People; i++ {
			emit(o.PersonDN(i))
		}
	})
	for di, d := range OrgDepartments {
		group(o.DepartmentDN(d), "dept-"+strings.ToLower(d), "department "+d, func(emit func(string)) {
			for i := di; i < o.People; i += len(OrgDepartments) {
				emit(o.PersonDN(i))
			}
		})
	}
	for m := 0; o.IsManager(m); m++ {
		group(o.TeamDN(m), "team-"+UID(m), "reports of "+UID(m), func(emit func(string)) {
			for i := m*Fanout + 1; i <= m*Fanout+Fanout && i < o.People; i++ {
				emit(o.PersonDN(i))
			}
		})
	}
	for k := 0; k < apps; k++ {
		group(o.AppDN(k), fmt.Sprintf("app-%04d", k), fmt.Sprintf("application %d", k), func(emit func(string)) {
			for i := 0; i < o.People; i++ {
				if o.InApp(i, k) {
					emit(o.PersonDN(i))
				}
			}
			for s := 0; s < o.ServiceAccounts; s++ {
				if o.ServiceApp(s) == k {
					emit(o.ServiceDN(s))
				}
			}
		})
	}
	return bw.Flush()
}
