package nhi_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/ldap"
	"github.com/syncd-dev/syncd/internal/ldap/ldaptest"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/pull"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

const ldapSuffix = "dc=example,dc=org"

// TestOrphansFromSlapd pulls service accounts from a real slapd (owners in
// the manager attribute: a person, a DN that names nobody, or none), makes
// one owner a leaver and one disabled in the directory, puts one account in
// an ended project, and checks exactly which findings open; then fixes two
// causes and checks those findings resolve.
func TestOrphansFromSlapd(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		srv := ldaptest.Start(t, ldaptest.Options{LDIF: ldaptest.Generate(ldapSuffix, ldaptest.Directory{People: 20, Groups: 1, ServiceAccounts: 9})})
		ids, err := identity.New(identity.Config{Sources: map[string]identity.SourceRole{"corp": identity.RoleDirectory}}, st)
		if err != nil {
			t.Fatal(err)
		}
		src, err := ldap.New(ldap.Config{
			Name: "corp", URL: srv.URL, BindDN: srv.ReaderDN, BindPassword: srv.ReaderPassword, Preset: ldap.PresetOpenLDAP,
			People:          ldap.Search{BaseDN: "ou=people," + ldapSuffix},
			ServiceAccounts: &ldap.ServiceAccounts{BaseDN: "ou=services," + ldapSuffix},
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		runner := &pull.Runner{Store: st, Identity: ids, Holder: "test"}
		pullNow := func(full bool) {
			t.Helper()
			run, err := runner.Run(ctx, src, pull.Options{Full: full})
			if err != nil || run.Status != store.RunSucceeded {
				t.Fatalf("pull: %v %+v", err, run)
			}
		}
		pullNow(true)

		// Service account k is owned by person k when k%3 == 0 (see
		// ldaptest.Generate): svc-0003's owner leaves, svc-0006's is locked.
		srv.Modify(t, fmt.Sprintf("dn: %s\nchangetype: delete\n\ndn: %s\nchangetype: modify\nadd: pwdAccountLockedTime\npwdAccountLockedTime: 000001010000Z\n",
			ldaptest.PersonDN(ldapSuffix, 3), ldaptest.PersonDN(ldapSuffix, 6)))
		pullNow(true)

		now := time.Now().UTC()
		svc := &nhi.Service{Store: st, Now: func() time.Time { return now },
			Remediation: nhi.Remediation{Deadline: 7 * 24 * time.Hour, FallbackTeam: "security", DefaultAction: nhi.ActionFlag}}
		owner := personByUID(t, st, 0)
		start, end := now.AddDate(-1, 0, 0), now.AddDate(0, 0, -1)
		proj, err := svc.CreateProject(ctx, "test", nhi.ProjectInput{Name: "apollo", Owner: owner.ID, StartDate: &start, EndDate: &end})
		if err != nil {
			t.Fatal(err)
		}
		svc0 := nhiByName(t, st, "svc-0000")
		if _, err := svc.UpdateNHI(ctx, "test", svc0.ID, nhi.NHIPatch{Project: &proj.ID}, nil); err != nil {
			t.Fatal(err)
		}

		if _, err := svc.Evaluate(ctx); err != nil {
			t.Fatal(err)
		}
		want := []string{
			"svc-0000 project-ended",
			"svc-0001 no-owner", "svc-0002 no-owner", "svc-0003 owner-inactive", "svc-0004 no-owner",
			"svc-0005 no-owner", "svc-0006 owner-inactive", "svc-0007 no-owner", "svc-0008 no-owner",
		}
		if got := openByName(t, st); !slices.Equal(got, want) {
			t.Fatalf("open findings\n got %v\nwant %v", got, want)
		}
		dangling := nhiByName(t, st, "svc-0001")
		if dangling.OwnerID != "" || dangling.OwnerRef == "" {
			t.Fatalf("dangling owner not recorded: %+v", dangling)
		}
		// The leaver's account is routed to the leaver's manager (u000000).
		tasks, err := st.ListTasks(ctx, store.TaskQuery{NHIID: nhiByName(t, st, "svc-0003").ID})
		if err != nil || len(tasks) != 1 || tasks[0].AssigneeID != owner.ID {
			t.Fatalf("re-ownership task for svc-0003: %+v %v", tasks, err)
		}

		// Fix two causes: extend the project, reassign the leaver's account.
		later := now.AddDate(1, 0, 0)
		if _, err := svc.UpdateProject(ctx, "test", proj.ID, nhi.ProjectPatch{EndDate: &later}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.UpdateNHI(ctx, "test", nhiByName(t, st, "svc-0003").ID, nhi.NHIPatch{Owner: &owner.ID}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Evaluate(ctx); err != nil {
			t.Fatal(err)
		}
		want = slices.DeleteFunc(want, func(s string) bool { return s == "svc-0000 project-ended" || s == "svc-0003 owner-inactive" })
		if got := openByName(t, st); !slices.Equal(got, want) {
			t.Fatalf("open findings after fixes\n got %v\nwant %v", got, want)
		}
		resolved, err := st.ListFindings(ctx, store.FindingQuery{NHIID: svc0.ID, States: []store.FindingState{store.FindingResolved}})
		if err != nil || len(resolved) != 1 || resolved[0].Rule != nhi.RuleProjectEnded {
			t.Fatalf("resolved finding kept with its history: %+v %v", resolved, err)
		}
	})
}

func personByUID(t *testing.T, st store.Store, i int) store.Person {
	t.Helper()
	ps, err := st.FindPersons(t.Context(), store.MatchUserName, ldaptest.UID(i))
	if err != nil || len(ps) != 1 {
		t.Fatalf("person %s: %v %v", ldaptest.UID(i), ps, err)
	}
	return ps[0]
}

func nhiByName(t *testing.T, st store.Store, name string) store.NHI {
	t.Helper()
	ns, err := st.ListNHIs(t.Context(), store.NHIQuery{Source: "corp", Text: name})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ns {
		if n.Name == name {
			return n
		}
	}
	t.Fatalf("no NHI %s among %+v", name, ns)
	return store.NHI{}
}

// openByName lists unresolved findings as "name rule", sorted.
func openByName(t *testing.T, st store.Store) []string {
	t.Helper()
	fs, err := st.ListFindings(t.Context(), store.FindingQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range fs {
		n, err := st.GetNHI(t.Context(), f.NHIID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, n.Name+" "+f.Rule)
	}
	slices.Sort(out)
	return out
}
