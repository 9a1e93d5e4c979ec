package access_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/ldap"
	"github.com/syncd-dev/syncd/internal/ldap/ldaptest"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

const ldapSuffix = "dc=example,dc=org"

// opsOrg links Operations people from the LDAP source "corp": oscar and
// olivia with their DNs (as a pull records them), nina without one.
func opsOrg(t *testing.T, st store.Store) map[string]string {
	t.Helper()
	svc, err := identity.New(identity.Config{Sources: map[string]identity.SourceRole{"corp": identity.RoleDirectory}}, st)
	if err != nil {
		t.Fatal(err)
	}
	var changes []identity.Change
	for _, p := range []struct {
		login string
		dn    string
	}{{"olivia", ldaptest.PersonDN(ldapSuffix, 0)}, {"oscar", ldaptest.PersonDN(ldapSuffix, 1)}, {"nina", ""}} {
		changes = append(changes, identity.Change{Op: identity.OpUpsert, Record: identity.Record{ExternalID: p.login, DN: p.dn,
			Attributes: map[string]string{"userName": p.login, "email": p.login + "@example.com", "department": "Operations", "title": "Operator"}}})
	}
	res, err := svc.Apply(t.Context(), identity.Batch{Source: "corp", Changes: changes})
	if err != nil || len(res.Rejected) > 0 {
		t.Fatalf("ops org: %v %+v", err, res.Rejected)
	}
	ids := map[string]string{}
	for _, a := range res.Applied {
		ids[a.ExternalID] = a.PersonID
	}
	return ids
}

// relink records a new DN on login's link from "corp", as a pull after a
// rename does.
func relink(t *testing.T, st store.Store, login, dn string) {
	t.Helper()
	svc, err := identity.New(identity.Config{Sources: map[string]identity.SourceRole{"corp": identity.RoleDirectory}}, st)
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.Apply(t.Context(), identity.Batch{Source: "corp", Changes: []identity.Change{{Op: identity.OpUpsert, Record: identity.Record{
		ExternalID: login, DN: dn,
		Attributes: map[string]string{"userName": login, "email": login + "@example.com", "department": "Operations", "title": "Operator"}}}}})
	if err != nil || len(res.Rejected) > 0 {
		t.Fatalf("relink: %v %+v", err, res.Rejected)
	}
}

// deployRole is the pre-approved service-account role: Operations people
// get it at once, fulfilled by adding them to an LDAP group.
func deployRole(ids map[string]string, group string) *catalog.Catalog {
	return &catalog.Catalog{Items: []catalog.Item{{
		ItemSpec: policy.ItemSpec{ID: "deploy-bot-operator", Name: "Deploy bot operator", Kind: "service-account-role", Risk: policy.RiskLow,
			OwnerID: ids["olivia"], Eligibility: policy.Eligibility{Departments: []string{"Operations"}},
			AutoApprove: &policy.Condition{When: `beneficiary.department == "Operations"`}, MaxDuration: 30 * 24 * time.Hour},
		OwnerRef:    "olivia",
		Fulfillment: catalog.Fulfillment{Type: "ldap-group", Params: map[string]string{"source": "corp", "group": group}},
	}}}
}

func ldapService(t *testing.T, st *gormstore.Store, srv *ldaptest.Server, ids map[string]string, password string, c *clock) *access.Service {
	t.Helper()
	w, err := ldap.NewGroupWriter(ldap.Config{Name: "corp", URL: srv.URL, BindDN: srv.ReaderDN, BindPassword: srv.ReaderPassword},
		ldap.WriteCredentials{BindDN: srv.WriterDN, BindPassword: password})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	svc, err := access.NewService(st, deployRole(ids, ldaptest.GroupDN(ldapSuffix, 0)), map[string]access.Fulfiller{
		"ldap-group": &access.LDAPGroup{Store: st, Writers: map[string]access.GroupWriter{"corp": w}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc.Now = c.now
	return svc
}

// TestLDAPGroupFlow is flow 3: a pre-approved service-account role is
// granted by group membership in a real slapd and taken back at expiry.
func TestLDAPGroupFlow(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		srv := ldaptest.Start(t, ldaptest.Options{LDIF: ldaptest.Generate(ldapSuffix, ldaptest.Directory{People: 3, Groups: 2})})
		group, oscarDN := ldaptest.GroupDN(ldapSuffix, 0), ldaptest.PersonDN(ldapSuffix, 1)
		if slices.Contains(srv.Members(t, group), oscarDN) {
			t.Fatal("fixture: oscar is already a member")
		}
		ids := opsOrg(t, st)
		c := &clock{time.Now().UTC()}
		svc := ldapService(t, st, srv, ids, srv.WriterPassword, c)

		out, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids["oscar"], ItemID: "deploy-bot-operator",
			Justification: "on call", End: c.t.Add(7 * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if out.Request.State != store.RequestApproved || out.Grant == nil || out.Grant.Assurance != store.AssuranceAutoApproved {
			t.Fatalf("not auto-approved: %+v", out)
		}
		g := *settle(t, svc, out.Grant)
		if g.State != store.GrantActive || g.FulfillmentStatus != "done" || g.FulfillmentRef != oscarDN {
			t.Fatalf("grant %+v", g)
		}
		if !slices.Contains(srv.Members(t, group), oscarDN) {
			t.Fatalf("%s is not a member of %s: %v", oscarDN, group, srv.Members(t, group))
		}
		evs, err := st.ListAuditByTarget(t.Context(), []string{"grant:" + g.ID}, 0)
		if err != nil || !slices.ContainsFunc(evs, func(e store.AuditEvent) bool {
			return e.Action == "grant.fulfillment" && e.Actor == "fulfillment:ldap-group"
		}) {
			t.Fatalf("no fulfillment audit event: %+v %v", evs, err)
		}

		// Granting again (a retry) changes nothing and succeeds.
		it := svc.Catalog().Items[0]
		holder, _ := st.GetPerson(t.Context(), ids["oscar"])
		f := svc.Fulfillers["ldap-group"]
		if ref, done, err := f.Grant(t.Context(), g, it, holder); err != nil || !done || ref != oscarDN {
			t.Fatalf("repeated grant: %q %v %v", ref, done, err)
		}
		if n := strings.Count(strings.Join(srv.Members(t, group), "\n"), oscarDN); n != 1 {
			t.Fatalf("oscar listed %d times", n)
		}

		// Oscar's entry is renamed: the group follows (memberof refint) and
		// the next pull records the new DN on his link.
		renamed := "uid=oscar.renamed,ou=people," + ldapSuffix
		srv.Modify(t, "dn: "+oscarDN+"\nchangetype: modrdn\nnewrdn: uid=oscar.renamed\ndeleteoldrdn: 0\n")
		relink(t, st, "oscar", renamed)
		if !slices.Contains(srv.Members(t, group), renamed) {
			t.Fatalf("fixture: the group did not follow the rename: %v", srv.Members(t, group))
		}

		// Expiry ends the grant and takes the membership back.
		c.t = c.t.Add(8 * 24 * time.Hour)
		res, err := sweepAndWork(t, svc)
		if err != nil || res.Expired != 1 || len(res.Errors) > 0 {
			t.Fatalf("sweep: %+v %v", res, err)
		}
		ended, _ := st.GetGrant(t.Context(), g.ID)
		if ended.State != store.GrantEnded || ended.FulfillmentStatus != "removed" {
			t.Fatalf("after expiry: %+v", ended)
		}
		if got := srv.Members(t, group); slices.Contains(got, oscarDN) || slices.Contains(got, renamed) {
			t.Fatalf("oscar is still a member after expiry: %v", got)
		}
		// Taking back again is a no-op.
		if err := f.Revoke(t.Context(), ended, it, holder); err != nil {
			t.Fatalf("repeated revoke: %v", err)
		}
		if _, err := audit.Verify(t.Context(), st); err != nil {
			t.Fatal(err)
		}
	})
}

// TestLDAPGroupFailures: a wrong write password and a holder with no DN
// both leave the grant failed, never active, with a clear error.
func TestLDAPGroupFailures(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		srv := ldaptest.Start(t, ldaptest.Options{LDIF: ldaptest.Generate(ldapSuffix, ldaptest.Directory{People: 3, Groups: 2})})
		group := ldaptest.GroupDN(ldapSuffix, 0)
		ids := opsOrg(t, st)
		c := &clock{time.Now().UTC()}

		cases := []struct {
			name, holder, password, wantErr string
		}{
			{"wrong write password", "oscar", "not-the-password", "Invalid Credentials"},
			{"holder without a DN", "nina", srv.WriterPassword, `nina has no DN in source "corp"`},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				svc := ldapService(t, st, srv, ids, tc.password, c)
				svc.MaxAttempts = 1
				out, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids[tc.holder], ItemID: "deploy-bot-operator",
					Justification: "on call", End: c.t.Add(24 * time.Hour)})
				if err != nil {
					t.Fatal(err)
				}
				g := settle(t, svc, out.Grant)
				if g == nil || g.State != store.GrantFailed || g.FulfillmentStatus != "failed" || !strings.Contains(g.FulfillmentError, tc.wantErr) {
					t.Fatalf("grant %+v, want failed with %q", g, tc.wantErr)
				}
				if !strings.HasPrefix(g.FulfillmentError, "ldap-group: ") {
					t.Fatalf("error %q is not prefixed", g.FulfillmentError)
				}
				t.Log(g.FulfillmentError)
			})
		}
		if got := srv.Members(t, group); len(got) != 2 {
			t.Fatalf("a failed grant changed the group: %v", got)
		}
	})
}
