package nhi_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/ldap"
	"github.com/syncd-dev/syncd/internal/ldap/ldaptest"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/pull"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestPulledServiceAccountsReevaluateFindings pulls service accounts from a
// real slapd through the NHI service: an owner the directory drops or
// names opens or resolves the orphan finding in the pull's transaction,
// with no evaluation run in between.
func TestPulledServiceAccountsReevaluateFindings(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		srv := ldaptest.Start(t, ldaptest.Options{LDIF: ldaptest.Generate(ldapSuffix, ldaptest.Directory{People: 5, ServiceAccounts: 3})})
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
		runner := &pull.Runner{Store: st, Identity: ids, NHI: &nhi.Service{Store: st}, Holder: "test"}
		pullNow := func(full bool) {
			t.Helper()
			run, err := runner.Run(ctx, src, pull.Options{Full: full})
			if err != nil || run.Status != store.RunSucceeded {
				t.Fatalf("pull: %v %+v", err, run)
			}
		}
		// svc-0000 is owned by person 0, svc-0001 by a DN naming nobody,
		// svc-0002 by nobody (see ldaptest.Generate).
		pullNow(true)
		want := []string{"svc-0001 no-owner", "svc-0002 no-owner"}
		if got := openByName(t, st); !slices.Equal(got, want) {
			t.Fatalf("open findings after the first pull\n got %v\nwant %v", got, want)
		}

		srv.Modify(t, fmt.Sprintf("dn: %s\nchangetype: modify\ndelete: manager\n\ndn: %s\nchangetype: modify\nreplace: manager\nmanager: %s\n",
			ldaptest.ServiceDN(ldapSuffix, 0), ldaptest.ServiceDN(ldapSuffix, 1), ldaptest.PersonDN(ldapSuffix, 1)))
		pullNow(true)
		want = []string{"svc-0000 no-owner", "svc-0002 no-owner"}
		if got := openByName(t, st); !slices.Equal(got, want) {
			t.Fatalf("open findings after the directory changed owners\n got %v\nwant %v", got, want)
		}

		// A service account the directory deletes is retired; its finding
		// resolves with it.
		srv.Modify(t, fmt.Sprintf("dn: %s\nchangetype: delete\n", ldaptest.ServiceDN(ldapSuffix, 2)))
		pullNow(true)
		want = []string{"svc-0000 no-owner"}
		if got := openByName(t, st); !slices.Equal(got, want) {
			t.Fatalf("open findings after the directory deleted svc-0002\n got %v\nwant %v", got, want)
		}
	})
}
