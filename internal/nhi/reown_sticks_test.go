package nhi_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/authz"
	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/ldap"
	"github.com/syncd-dev/syncd/internal/ldap/ldaptest"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/pull"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestReownershipSticksAcrossPulls: a re-ownership accepted in syncd is
// not undone by the next pull, which still reads the leaver in the
// directory's manager attribute; the finding and task stay closed. When
// the directory itself names another owner, the directory wins again.
func TestReownershipSticksAcrossPulls(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		org := ldaptest.Org{Suffix: ldapSuffix, People: 100, ServiceAccounts: 8}
		srv := ldaptest.Start(t, ldaptest.Options{LDIF: org.LDIF()})
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
		runner := &pull.Runner{Store: st, Identity: ids, Holder: "test"}
		pullNow := func(full bool) {
			t.Helper()
			run, err := runner.Run(ctx, src, pull.Options{Full: full})
			if err != nil || run.Status != store.RunSucceeded {
				t.Fatalf("pull: %v %+v", err, run)
			}
		}
		now := time.Now().UTC()
		svc := &nhi.Service{Store: st, Now: func() time.Time { return now },
			Remediation: nhi.Remediation{Deadline: 7 * 24 * time.Hour, FallbackTeam: "security", DefaultAction: nhi.ActionFlag}}
		evaluate := func() {
			t.Helper()
			if _, err := svc.Evaluate(ctx); err != nil {
				t.Fatal(err)
			}
		}
		openRules := func(id string) []string {
			t.Helper()
			fs, err := st.ListFindings(ctx, store.FindingQuery{NHIID: id, States: []store.FindingState{store.FindingOpen}})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, f := range fs {
				out = append(out, f.Rule)
			}
			return out
		}

		pullNow(true)
		evaluate()
		// svc-0001 is owned by a leaver (ldaptest.Org.ServiceOwner).
		leaverDN, leaver := org.ServiceOwner(1)
		if !org.Leaver(leaver) {
			t.Fatalf("svc-0001's owner %d is not a leaver", leaver)
		}
		acct := nhiByName(t, st, "svc-0001")
		tasks, err := st.ListTasks(ctx, store.TaskQuery{NHIID: acct.ID, State: store.TaskOpen})
		if err != nil || len(tasks) != 1 {
			t.Fatalf("open tasks for svc-0001: %+v %v", tasks, err)
		}
		heir := personByUID(t, st, org.Manager(leaver))
		if tasks[0].AssigneeID != heir.ID {
			t.Fatalf("task assigned to %s, want the leaver's manager %s", tasks[0].AssigneeID, heir.ID)
		}
		if _, err := svc.AcceptTask(ctx, authz.Principal{PersonID: heir.ID}, "person:"+heir.ID, tasks[0].ID, heir.ID); err != nil {
			t.Fatal(err)
		}

		for _, full := range []bool{false, true, false} {
			pullNow(full)
			evaluate()
			got, err := st.GetNHI(ctx, acct.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.OwnerID != heir.ID || got.SourceOwnerRef != leaverDN {
				t.Fatalf("after a pull (full=%t): owner %q (ref %q, source asserts %q), want %s",
					full, got.OwnerID, got.OwnerRef, got.SourceOwnerRef, heir.ID)
			}
			if rules := openRules(acct.ID); len(rules) != 0 {
				t.Fatalf("after a pull (full=%t): open findings %v", full, rules)
			}
			if open, _ := st.ListTasks(ctx, store.TaskQuery{NHIID: acct.ID, State: store.TaskOpen}); len(open) != 0 {
				t.Fatalf("after a pull (full=%t): reopened tasks %+v", full, open)
			}
		}

		// Written back with the source's write credentials, the directory
		// names the new owner itself: a full pull agrees with syncd.
		w, err := ldap.NewGroupWriter(ldap.Config{
			Name: "corp", URL: srv.URL, Preset: ldap.PresetOpenLDAP,
			People:          ldap.Search{BaseDN: "ou=people," + ldapSuffix},
			ServiceAccounts: &ldap.ServiceAccounts{BaseDN: "ou=services," + ldapSuffix},
		}, ldap.WriteCredentials{BindDN: srv.AdminDN, BindPassword: srv.AdminPassword})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		if _, err := svc.WriteOwnerBack(ctx, "test", acct.ID, nil); !errors.Is(err, nhi.ErrNoWriteBack) {
			t.Fatalf("write-back without write credentials: %v", err)
		}
		svc.OwnerWriters = map[string]nhi.OwnerWriter{"corp": ldapOwner{w}}
		if _, err := svc.WriteOwnerBack(ctx, "test", acct.ID, nil); err != nil {
			t.Fatal(err)
		}
		pullNow(true)
		heirDN := org.PersonDN(org.Manager(leaver))
		if got, _ := st.GetNHI(ctx, acct.ID); got.OwnerID != heir.ID || got.OwnerRef != heirDN || got.SourceOwnerRef != heirDN {
			t.Fatalf("after writing the owner back and a full pull: %+v", got)
		}

		// The directory changes the attribute: its new owner wins.
		other := personByUID(t, st, 20)
		srv.Modify(t, fmt.Sprintf("dn: %s\nchangetype: modify\nreplace: manager\nmanager: %s\n", org.ServiceDN(1), org.PersonDN(20)))
		pullNow(true)
		if got, _ := st.GetNHI(ctx, acct.ID); got.OwnerID != other.ID || got.OwnerRef != org.PersonDN(20) || got.SourceOwnerRef != org.PersonDN(20) {
			t.Fatalf("after the directory named a new owner: %+v", got)
		}
	})
}

type ldapOwner struct{ w *ldap.GroupWriter }

func (o ldapOwner) WriteOwner(ctx context.Context, n store.NHI, dn string) error {
	return o.w.SetAccountOwner(ctx, n.ExternalID, dn)
}
