package ldap_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/ldap"
	"github.com/syncd-dev/syncd/internal/ldap/ldaptest"
	"github.com/syncd-dev/syncd/internal/pull"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

const suffix = "dc=example,dc=org"

// badEntries are people the pull must reject (or apply with a warning)
// without losing anything else.
func badEntries() string {
	long := strings.Repeat("x", 5000)
	return fmt.Sprintf(`dn: uid=longtitle,ou=people,%[1]s
objectClass: inetOrgPerson
uid: longtitle
cn: Long Title
sn: Title
title: %[2]s

dn: uid=dup-a,ou=people,%[1]s
objectClass: inetOrgPerson
uid: dup-a
cn: Dup A
sn: A
employeeNumber: E-DUP

dn: uid=dup-b,ou=people,%[1]s
objectClass: inetOrgPerson
uid: dup-b
cn: Dup B
sn: B
employeeNumber: E-DUP

dn: cn=nokey,ou=people,%[1]s
objectClass: inetOrgPerson
cn: nokey
sn: Nokey

dn: uid=orphan,ou=people,%[1]s
objectClass: inetOrgPerson
uid: orphan
cn: Orphan
sn: Orphan
manager: uid=ghost,ou=people,%[1]s

dn: uid=cycle-a,ou=people,%[1]s
objectClass: inetOrgPerson
uid: cycle-a
cn: Cycle A
sn: A
manager: uid=cycle-b,ou=people,%[1]s

dn: uid=cycle-b,ou=people,%[1]s
objectClass: inetOrgPerson
uid: cycle-b
cn: Cycle B
sn: B
manager: uid=cycle-a,ou=people,%[1]s

dn: ou=sub,ou=people,%[1]s
objectClass: organizationalUnit
ou: sub

`, suffix, long)
}

type env struct {
	srv    *ldaptest.Server
	st     *gormstore.Store
	ids    *identity.Service
	runner *pull.Runner
	src    *ldap.Source
}

func setup(t *testing.T, st *gormstore.Store, people int) *env {
	t.Helper()
	srv := ldaptest.Start(t, ldaptest.Options{LDIF: ldaptest.Generate(suffix, ldaptest.Directory{People: people, Groups: 3, ServiceAccounts: 6}) + badEntries()})
	ids := newIdentity(t, st)
	src, err := ldap.New(sourceConfig(srv), nil)
	if err != nil {
		t.Fatal(err)
	}
	return &env{srv: srv, st: st, ids: ids, src: src,
		runner: &pull.Runner{Store: st, Identity: ids, Holder: "test", BatchSize: 25}}
}

func newIdentity(t testing.TB, st store.Store) *identity.Service {
	t.Helper()
	ids, err := identity.New(identity.Config{
		Sources: map[string]identity.SourceRole{"corp": identity.RoleDirectory, "okta": identity.RoleIdP},
		Rules:   []identity.Rule{{Name: "chief", JobFunction: "chief", When: `person.title == "Chief"`}},
	}, st)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func sourceConfig(srv *ldaptest.Server) ldap.Config {
	return ldap.Config{
		Name: "corp", URL: srv.URL, BindDN: srv.ReaderDN, BindPassword: srv.ReaderPassword,
		Preset: ldap.PresetOpenLDAP, PageSize: 7, Parallel: 3,
		People:          ldap.Search{BaseDN: "ou=people," + suffix},
		Groups:          &ldap.Search{BaseDN: "ou=groups," + suffix},
		ServiceAccounts: &ldap.ServiceAccounts{BaseDN: "ou=services," + suffix},
	}
}

func (e *env) run(t *testing.T, full bool) store.SyncRun {
	t.Helper()
	run, err := e.runner.Run(t.Context(), e.src, pull.Options{Full: full})
	if err != nil {
		t.Fatalf("run (full=%t): %v\nrun: %+v", full, err, run)
	}
	if run.Status != store.RunSucceeded {
		t.Fatalf("run status %s: %s", run.Status, run.Error)
	}
	return run
}

// personBy returns the person linked from corp with the given uid.
func (e *env) personBy(t *testing.T, key store.MatchKey, v string) store.Person {
	t.Helper()
	ps, err := e.st.FindPersons(t.Context(), key, v)
	if err != nil || len(ps) != 1 {
		t.Fatalf("find %s %q: %v (%d found)", key, v, err, len(ps))
	}
	return ps[0]
}

func (e *env) auditCount(t *testing.T) int {
	t.Helper()
	n := 0
	after := int64(0)
	for {
		evs, err := e.st.ListAudit(t.Context(), after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		n += len(evs)
		if len(evs) < 1000 {
			return n
		}
		after = evs[len(evs)-1].Seq
	}
}

func hasRejection(run store.SyncRun, substr string) bool {
	for _, r := range run.Rejections {
		if strings.Contains(r.Reason, substr) {
			return true
		}
	}
	return false
}

func TestPullFromSlapd(t *testing.T) {
	const people = 60
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		e := setup(t, st, people)
		ctx := t.Context()

		// An IdP pushed person 3 before the directory is pulled: the two
		// correlate on the employee number, the IdP keeps the login and
		// the directory the title.
		if _, err := e.ids.ApplyOne(ctx, "okta", "", identity.Change{Record: identity.Record{
			ExternalID: "okta-3", Attributes: map[string]string{"employeeNumber": ldaptest.EmployeeNumber(3), "userName": "idp-login", "title": "IdP title"},
		}}); err != nil {
			t.Fatal(err)
		}

		// First full import.
		first := e.run(t, false)
		if first.Mode != pull.ModeFull {
			t.Fatalf("first run mode %q, want full", first.Mode)
		}
		// 60 generated + orphan + cycle-a + cycle-b + dup-a are applied;
		// person 3 correlated with the IdP's person (not created).
		if first.Counts.Read != people+7 || first.Counts.Created != people+3 || first.Counts.Rejected != 3 {
			t.Fatalf("first run counts %+v, rejections %+v", first.Counts, first.Rejections)
		}
		for _, want := range []string{"attribute title is 5000 bytes", "without any match key", "already linked to record"} {
			if !hasRejection(first, want) {
				t.Errorf("no rejection mentioning %q in %+v", want, first.Rejections)
			}
		}
		for _, want := range []string{`manager DN "uid=ghost`, "management cycle"} {
			if !hasRejection(first, want) {
				t.Errorf("no warning mentioning %q in %+v", want, first.Rejections)
			}
		}
		p3 := e.personBy(t, store.MatchEmployeeNumber, ldaptest.EmployeeNumber(3))
		if p3.UserName != "idp-login" || p3.Title != ldaptest.Titles[3%len(ldaptest.Titles)] {
			t.Errorf("precedence: person 3 has userName %q title %q", p3.UserName, p3.Title)
		}
		p11 := e.personBy(t, store.MatchUserName, ldaptest.UID(11))
		p1 := e.personBy(t, store.MatchUserName, ldaptest.UID(1))
		if p11.ManagerID != p1.ID {
			t.Errorf("person 11's manager is %q, want person 1 (%s)", p11.ManagerID, p1.ID)
		}
		if p := e.personBy(t, store.MatchUserName, ldaptest.UID(49)); !ldaptest.Locked(49) || p.Status != store.StatusDisabled {
			t.Errorf("locked person 49 has status %s", p.Status)
		}
		if p := e.personBy(t, store.MatchUserName, ldaptest.UID(7)); p.GivenName != ldaptest.GivenName(7) || p.Status != store.StatusActive {
			t.Errorf("person 7: given name %q status %s", p.GivenName, p.Status)
		}
		if n, _ := st.CountPersons(ctx, store.PersonQuery{Text: "svc-"}); n != 0 {
			t.Errorf("%d service accounts became persons", n)
		}

		groups, err := st.ListGroups(ctx, store.GroupQuery{Source: "corp"})
		if err != nil || len(groups) != 3 {
			t.Fatalf("groups: %v %+v", err, groups)
		}
		g0 := groups[slices.IndexFunc(groups, func(g store.Group) bool { return g.DisplayName == "group-000" })]
		members, _ := st.ListGroupMembers(ctx, g0.ID)
		if len(members) != people/3 {
			t.Errorf("group-000 has %d members, want %d", len(members), people/3)
		}

		nhis, err := st.ListNHIs(ctx, store.NHIQuery{Source: "corp"})
		if err != nil || len(nhis) != 6 {
			t.Fatalf("service accounts: %v %+v", err, nhis)
		}
		for _, n := range nhis {
			var k int
			fmt.Sscanf(n.Name, "svc-%d", &k)
			switch {
			case n.Kind != store.KindServiceAccount:
				t.Errorf("%s kind %s", n.Name, n.Kind)
			case k%3 == 0 && (n.OwnerID == "" || n.OwnerRef != ldaptest.PersonDN(suffix, k%people)):
				t.Errorf("%s: owner %q ref %q, want person %d", n.Name, n.OwnerID, n.OwnerRef, k)
			case k%3 == 1 && (n.OwnerID != "" || !strings.HasPrefix(n.OwnerRef, "uid=nobody-")):
				t.Errorf("%s: dangling owner not kept: id %q ref %q", n.Name, n.OwnerID, n.OwnerRef)
			case k%3 == 2 && (n.OwnerID != "" || n.OwnerRef != ""):
				t.Errorf("%s: owner %q ref %q, want none", n.Name, n.OwnerID, n.OwnerRef)
			}
		}

		// No-change resync, incremental and full: nothing written.
		before := e.auditCount(t)
		for _, full := range []bool{false, true} {
			again := e.run(t, full)
			if again.Counts.Created+again.Counts.Updated+again.Counts.Terminated != 0 {
				t.Fatalf("no-change resync (full=%t) changed something: %+v", full, again.Counts)
			}
			// The watermark is exclusive: nothing is read again.
			if !full && again.Counts.Read > 0 {
				t.Fatalf("no-change incremental read %d entries", again.Counts.Read)
			}
			if after := e.auditCount(t); after != before {
				t.Fatalf("no-change resync (full=%t) wrote %d audit events", full, after-before)
			}
		}

		// Incremental after modify, rename, move, membership change,
		// disable; a delete is found only by the full run.
		p5 := e.personBy(t, store.MatchUserName, ldaptest.UID(5))
		p6 := e.personBy(t, store.MatchUserName, ldaptest.UID(6))
		p12 := e.personBy(t, store.MatchUserName, ldaptest.UID(12))
		p8 := e.personBy(t, store.MatchUserName, ldaptest.UID(8))
		p9 := e.personBy(t, store.MatchUserName, ldaptest.UID(9))
		p2 := e.personBy(t, store.MatchUserName, ldaptest.UID(2)) // manages persons 21-29
		e.srv.Modify(t, fmt.Sprintf(`dn: %[1]s
changetype: modify
replace: title
title: Chief

dn: %[2]s
changetype: modrdn
newrdn: uid=renamed6
deleteoldrdn: 1

dn: %[3]s
changetype: modrdn
newrdn: uid=%[4]s
deleteoldrdn: 1
newsuperior: ou=sub,ou=people,%[5]s

dn: %[6]s
changetype: modify
add: member
member: %[7]s

dn: %[8]s
changetype: modify
add: pwdAccountLockedTime
pwdAccountLockedTime: 000001010000Z

dn: %[9]s
changetype: delete

dn: %[10]s
changetype: delete
`, ldaptest.PersonDN(suffix, 5), ldaptest.PersonDN(suffix, 6), ldaptest.PersonDN(suffix, 12), ldaptest.UID(12), suffix,
			ldaptest.GroupDN(suffix, 0), ldaptest.PersonDN(suffix, 8), ldaptest.PersonDN(suffix, 8), ldaptest.PersonDN(suffix, 9),
			ldaptest.PersonDN(suffix, 2)))

		inc := e.run(t, false)
		if inc.Mode != pull.ModeIncremental || inc.Counts.Read > 5 || inc.Counts.Created != 0 || inc.Counts.Updated != 4 || inc.Counts.Disabled != 1 {
			t.Fatalf("incremental run: mode %s counts %+v rejections %+v", inc.Mode, inc.Counts, inc.Rejections)
		}
		if p := e.personBy(t, store.MatchEmployeeNumber, ldaptest.EmployeeNumber(5)); p.ID != p5.ID || p.Title != "Chief" {
			t.Errorf("person 5 after title change: %+v", p)
		}
		moves, _ := st.ListMoverEvents(ctx, p5.ID)
		if len(moves) != 1 || !slices.Equal(moves[0].New, []string{"chief"}) {
			t.Errorf("person 5 mover events: %+v", moves)
		}
		if p := e.personBy(t, store.MatchEmployeeNumber, ldaptest.EmployeeNumber(6)); p.ID != p6.ID || p.UserName != "renamed6" {
			t.Errorf("renamed person 6: %+v (was %s)", p, p6.ID)
		}
		if p := e.personBy(t, store.MatchEmployeeNumber, ldaptest.EmployeeNumber(12)); p.ID != p12.ID {
			t.Errorf("moved person 12 became %s (was %s)", p.ID, p12.ID)
		}
		if p := e.personBy(t, store.MatchEmployeeNumber, ldaptest.EmployeeNumber(8)); p.Status != store.StatusDisabled {
			t.Errorf("locked person 8 has status %s", p.Status)
		}
		members, _ = st.ListGroupMembers(ctx, g0.ID)
		if !slices.Contains(members, p8.ID) {
			t.Errorf("group-000 lacks person 8 after the member was added")
		}
		if p, _ := st.GetPerson(ctx, p9.ID); p.Status != store.StatusActive {
			t.Errorf("deleted person 9 changed before a full run: %s", p.Status)
		}

		full := e.run(t, true)
		if full.Counts.Terminated != 2 || full.Counts.Rejected != 3 {
			t.Fatalf("full run counts %+v", full.Counts)
		}
		for _, p := range []store.Person{p9, p2} {
			if got, _ := st.GetPerson(ctx, p.ID); got.Status != store.StatusTerminated || got.StatusCause == "" {
				t.Errorf("deleted person %s: status %s cause %q", p.UserName, got.Status, got.StatusCause)
			}
		}
		// memberof's referential integrity dropped the deleted person from
		// group-000, and the full run carried that over.
		members, _ = st.ListGroupMembers(ctx, g0.ID)
		if slices.Contains(members, p9.ID) || !slices.Contains(members, p8.ID) {
			t.Errorf("group-000 after deleting person 9: %v", members)
		}
		// A report of the leaver keeps its record and names its manager as
		// the terminated person, for reviews to act on.
		if p := e.personBy(t, store.MatchUserName, ldaptest.UID(21)); p.ManagerID != p2.ID || p.Status != store.StatusActive {
			t.Errorf("report of a leaver: manager %q status %s", p.ManagerID, p.Status)
		}

		// A deleted group and a deleted service account are found by the
		// full run: the group goes, the account is retired.
		e.srv.Modify(t, fmt.Sprintf("dn: %s\nchangetype: delete\n\ndn: %s\nchangetype: delete\n",
			ldaptest.GroupDN(suffix, 2), ldaptest.ServiceDN(suffix, 1)))
		e.run(t, true)
		if groups, _ := st.ListGroups(ctx, store.GroupQuery{Source: "corp"}); len(groups) != 2 {
			t.Errorf("after deleting group-002: %d groups", len(groups))
		}
		retired, _ := st.ListNHIs(ctx, store.NHIQuery{Source: "corp", Status: store.NHIRetired})
		if len(retired) != 1 || retired[0].Name != "svc-0001" {
			t.Errorf("retired service accounts: %+v", retired)
		}

		runs, _ := st.ListSyncRuns(ctx, "corp", 10)
		if len(runs) != 6 {
			t.Errorf("%d runs recorded, want 6", len(runs))
		}
	})
}
