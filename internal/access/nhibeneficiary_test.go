package access_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/ldap"
	"github.com/syncd-dev/syncd/internal/ldap/ldaptest"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/pull"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestOwnerRequestsForTheirServiceAccount: the owner of a service account
// pulled from real slapd asks for a service-account role for it; the grant
// is held by the account (its owner accountable), the account's DN joins
// the LDAP group, and leaves it at expiry. Someone else may not ask.
func TestOwnerRequestsForTheirServiceAccount(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		srv := ldaptest.Start(t, ldaptest.Options{LDIF: ldaptest.Generate(ldapSuffix, ldaptest.Directory{People: 12, Groups: 1, ServiceAccounts: 3})})
		ids, err := identity.New(identity.Config{Sources: map[string]identity.SourceRole{"corp": identity.RoleDirectory}}, st)
		if err != nil {
			t.Fatal(err)
		}
		cfg := ldap.Config{Name: "corp", URL: srv.URL, BindDN: srv.ReaderDN, BindPassword: srv.ReaderPassword, Preset: ldap.PresetOpenLDAP,
			People: ldap.Search{BaseDN: "ou=people," + ldapSuffix}, ServiceAccounts: &ldap.ServiceAccounts{BaseDN: "ou=services," + ldapSuffix}}
		src, err := ldap.New(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if run, err := (&pull.Runner{Store: st, Identity: ids, Holder: "t"}).Run(ctx, src, pull.Options{Full: true}); err != nil || run.Status != store.RunSucceeded {
			t.Fatalf("pull: %v %+v", err, run)
		}
		accounts, err := st.ListNHIs(ctx, store.NHIQuery{Source: "corp", Text: "svc-0000"})
		if err != nil || len(accounts) != 1 || accounts[0].OwnerID == "" {
			t.Fatalf("service account: %+v %v", accounts, err)
		}
		account := accounts[0]
		others, _ := st.FindPersons(ctx, store.MatchUserName, ldaptest.UID(5))

		w, err := ldap.NewGroupWriter(cfg, ldap.WriteCredentials{BindDN: srv.AdminDN, BindPassword: srv.AdminPassword})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		group := ldaptest.GroupDN(ldapSuffix, 0)
		c := &clock{time.Now().UTC()}
		cat := &catalog.Catalog{Items: []catalog.Item{{ItemSpec: policy.ItemSpec{ID: "batch-role", Name: "Batch role", Kind: "service-account-role", Risk: policy.RiskLow,
			OwnerID: others[0].ID, Eligibility: policy.Eligibility{When: `request.nhi.kind == "service-account"`},
			AutoApprove: &policy.Condition{When: `request.nhi.environment == "" || request.nhi.environment != "prod"`}, MaxDuration: 7 * 24 * time.Hour},
			Fulfillment: catalog.Fulfillment{Type: "ldap-group", Params: map[string]string{"source": "corp", "group": group}}}}}
		svc, err := access.NewService(st, cat, map[string]access.Fulfiller{"ldap-group": &access.LDAPGroup{Store: st, Writers: map[string]access.GroupWriter{"corp": w}}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		svc.Now = c.now

		if _, err := svc.Submit(ctx, access.Submission{RequesterID: others[0].ID, BeneficiaryNHI: account.ID, ItemID: "batch-role"}); !errors.Is(err, access.ErrForbidden) {
			t.Fatalf("a non-owner asked for the account: %v", err)
		}
		out, err := svc.Submit(ctx, access.Submission{RequesterID: account.OwnerID, BeneficiaryNHI: account.ID, ItemID: "batch-role", End: c.t.Add(48 * time.Hour)})
		if err == nil {
			out.Grant = settle(t, svc, out.Grant)
		}
		if err != nil || out.Grant == nil || out.Grant.State != store.GrantActive || out.Grant.HolderNHIID != account.ID || out.Grant.HolderID != account.OwnerID {
			t.Fatalf("owner's request: %+v %+v %v", out.Decision, out.Grant, err)
		}
		dn := ldaptest.ServiceDN(ldapSuffix, 0)
		if !slices.ContainsFunc(srv.Members(t, group), func(m string) bool { return equalFoldDN(m, dn) }) {
			t.Fatalf("%s not in %s: %v", dn, group, srv.Members(t, group))
		}
		// The owner's own grants do not include the account's.
		if gs, _ := st.ListGrants(ctx, store.GrantQuery{HolderNHIID: account.ID}); len(gs) != 1 {
			t.Fatalf("grants of the account: %+v", gs)
		}
		c.t = c.t.Add(72 * time.Hour)
		if res, err := sweepAndWork(t, svc); err != nil || res.Expired != 1 {
			t.Fatalf("sweep: %+v %v", res, err)
		}
		if slices.ContainsFunc(srv.Members(t, group), func(m string) bool { return equalFoldDN(m, dn) }) {
			t.Fatalf("%s still in %s after expiry", dn, group)
		}
	})
}

func equalFoldDN(a, b string) bool {
	return strings.EqualFold(a, b)
}
