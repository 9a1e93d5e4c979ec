package ldap_test

import (
	"context"
	"fmt"
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
