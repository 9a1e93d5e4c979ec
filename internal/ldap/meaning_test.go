package ldap_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/ldap"
	"github.com/syncd-dev/syncd/internal/ldap/ldaptest"
	"github.com/syncd-dev/syncd/internal/pull"
	"github.com/syncd-dev/syncd/internal/source"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// orgEnv is a real slapd loaded with a realistic generated directory and
// a store on either database.
type orgEnv struct {
	env
	org ldaptest.Org
}

func setupOrg(t *testing.T, st *gormstore.Store, org ldaptest.Org, cfg func(*ldap.Config)) *orgEnv {
	t.Helper()
	org.Suffix = suffix
	srv := ldaptest.Start(t, ldaptest.Options{LDIF: org.LDIF()})
	ids := newIdentity(t, st)
	c := sourceConfig(srv)
	c.PageSize = 50
	if cfg != nil {
		cfg(&c)
	}
	src, err := ldap.New(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &orgEnv{org: org, env: env{srv: srv, st: st, ids: ids, src: src,
		runner: &pull.Runner{Store: st, Identity: ids, Holder: "test", BatchSize: 100}}}
}

// TestLockoutIsNotDisable: ppolicy's pwdAccountLockedTime 000001010000Z is
// an administrator's lock (disabled); any other value is a failed-login
// lockout that expires by itself and leaves the person active.
func TestLockoutIsNotDisable(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		e := setupOrg(t, st, ldaptest.Org{People: 300, ServiceAccounts: 8}, nil)
		e.run(t, true)
		var lockedOut, disabled int
		for i := 0; i < e.org.People; i++ {
			p := e.personBy(t, store.MatchUserName, e.org.UID(i))
			want := store.StatusActive
			if e.org.Disabled(i) {
				want = store.StatusDisabled
				disabled++
			}
			if e.org.LockedOut(i) {
				lockedOut++
			}
			if p.Status != want {
				t.Errorf("person %d (disabled %t, locked out %t): status %s, want %s",
					i, e.org.Disabled(i), e.org.LockedOut(i), p.Status, want)
			}
		}
		if lockedOut == 0 || disabled == 0 {
			t.Fatalf("the generated directory has %d locked-out and %d disabled people", lockedOut, disabled)
		}

		// A lockout that appears later is still not a disable; an
		// administrator's lock on the same person is.
		dn := e.org.PersonDN(1)
		e.srv.Modify(t, fmt.Sprintf("dn: %s\nchangetype: modify\nadd: pwdAccountLockedTime\npwdAccountLockedTime: 20261203100000Z\n", dn))
		e.run(t, false)
		if p := e.personBy(t, store.MatchUserName, e.org.UID(1)); p.Status != store.StatusActive {
			t.Fatalf("locked-out person 1: status %s", p.Status)
		}
		e.srv.Modify(t, fmt.Sprintf("dn: %s\nchangetype: modify\nreplace: pwdAccountLockedTime\npwdAccountLockedTime: %s\n", dn, ldaptest.AdminLockedTime))
		e.run(t, false)
		if p := e.personBy(t, store.MatchUserName, e.org.UID(1)); p.Status != store.StatusDisabled {
			t.Fatalf("admin-locked person 1: status %s", p.Status)
		}
	})
}

// tallySink counts what a source hands over.
type tallySink struct{ people, groups, services, rejected int }

func (c *tallySink) Person(context.Context, identity.Record) error { c.people++; return nil }
func (c *tallySink) Reject(string, string)                         { c.rejected++ }
func (c *tallySink) Group(context.Context, source.Group) error     { c.groups++; return nil }
func (c *tallySink) ServiceAccount(context.Context, source.ServiceAccount) error {
	c.services++
	return nil
}

// TestIncrementalReadsNothingWithoutChange: the watermark is exclusive,
// so after a change to the all-staff group (the entry a real directory
// often changes last) a no-change incremental run reads no entry at all.
func TestIncrementalReadsNothingWithoutChange(t *testing.T) {
	org := ldaptest.Org{Suffix: suffix, People: 120, ServiceAccounts: 4}
	srv := ldaptest.Start(t, ldaptest.Options{LDIF: org.LDIF()})
	src, err := ldap.New(sourceConfig(srv), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	first, err := src.Pull(ctx, source.Request{Full: true}, &tallySink{})
	if err != nil {
		t.Fatal(err)
	}
	srv.Modify(t, fmt.Sprintf("dn: %s\nchangetype: modify\ndelete: member\nmember: %s\n", org.AllStaffDN(), org.PersonDN(3)))
	var c tallySink
	second, err := src.Pull(ctx, source.Request{Watermark: first.Watermark}, &c)
	if err != nil {
		t.Fatal(err)
	}
	if c.groups != 1 || c.people != 0 {
		t.Fatalf("incremental after one group change read %+v", c)
	}
	c = tallySink{}
	third, err := src.Pull(ctx, source.Request{Watermark: second.Watermark}, &c)
	if err != nil {
		t.Fatal(err)
	}
	if c.people+c.groups != 0 {
		t.Fatalf("no-change incremental read %d people and %d groups", c.people, c.groups)
	}
	if third.Watermark != second.Watermark {
		t.Errorf("no-change run moved the watermark from %s to %s", second.Watermark, third.Watermark)
	}
}

// TestServiceAccountDiscovery: serviceAccounts.baseDN and namePatterns
// combine as configured, AND (accounts under the base whose login
// matches) or OR (every account under the base, plus people-base entries
// whose login matches: accounts misplaced among people); and the groups
// service accounts are members of are recorded.
func TestServiceAccountDiscovery(t *testing.T) {
	org := ldaptest.Org{People: 150, ServiceAccounts: 10, Misplaced: 4, AppGroups: 4}
	for _, tc := range []struct {
		name string
		sa   ldap.ServiceAccounts
		want []string
	}{
		{"or", ldap.ServiceAccounts{BaseDN: "ou=services," + suffix, NamePatterns: []string{"svc-*"}, Combine: ldap.CombineOr},
			[]string{"svc-0000", "svc-0001", "svc-0002", "svc-0003", "svc-0004", "svc-0005", "svc-0006", "svc-0007", "svc-0008", "svc-0009",
				"svc-p0000", "svc-p0001", "svc-p0002", "svc-p0003"}},
		{"and", ldap.ServiceAccounts{BaseDN: "ou=people," + suffix, NamePatterns: []string{"svc-*"}, Combine: ldap.CombineAnd},
			[]string{"svc-p0000", "svc-p0001", "svc-p0002", "svc-p0003"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
				e := setupOrg(t, st, org, func(c *ldap.Config) { sa := tc.sa; c.ServiceAccounts = &sa })
				e.run(t, true)
				ctx := t.Context()
				nhis, err := st.ListNHIs(ctx, store.NHIQuery{Source: "corp", Limit: 1000})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, n := range nhis {
					got = append(got, n.Name)
				}
				slices.Sort(got)
				if !slices.Equal(got, tc.want) {
					t.Fatalf("service accounts\n got %v\nwant %v", got, tc.want)
				}
				if n, _ := st.CountPersons(ctx, store.PersonQuery{}); n != org.People {
					t.Errorf("%d persons, want %d (no service account among them)", n, org.People)
				}
				if tc.name != "or" {
					return
				}
				// Service account k (even k) is a member of app group k%4.
				for _, n := range nhis {
					var k int
					if _, err := fmt.Sscanf(n.Name, "svc-%d", &k); err != nil {
						continue
					}
					gs, err := st.ListNHIGroups(ctx, n.ID)
					if err != nil {
						t.Fatal(err)
					}
					var names []string
					for _, g := range gs {
						names = append(names, g.DisplayName)
					}
					var want []string
					if a := e.org.ServiceApp(k); a >= 0 {
						want = []string{fmt.Sprintf("app-%04d", a)}
					}
					if !slices.Equal(names, want) {
						t.Errorf("%s is in groups %v, want %v", n.Name, names, want)
					}
				}
			})
		})
	}
	t.Run("both without combine", func(t *testing.T) {
		c := ldap.Config{Name: "x", URL: "ldap://x", BindDN: "cn=x", People: ldap.Search{BaseDN: "dc=x"},
			ServiceAccounts: &ldap.ServiceAccounts{BaseDN: "ou=s,dc=x", NamePatterns: []string{"svc-*"}}}
		errs := c.Validate()
		if len(errs) != 1 || errs[0].Field != "serviceAccounts.combine" {
			t.Fatalf("errors %v", errs)
		}
		c.ServiceAccounts.Combine = "xor"
		if errs := c.Validate(); len(errs) != 1 || errs[0].Field != "serviceAccounts.combine" {
			t.Fatalf("errors %v", errs)
		}
	})
}
