package review_test

import (
	"context"
	"testing"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/ldap"
	"github.com/syncd-dev/syncd/internal/ldap/ldaptest"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/pull"
	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

type ldapNHIDisabler struct{ w *ldap.GroupWriter }

func (l ldapNHIDisabler) DisableNHI(ctx context.Context, n store.NHI) error {
	return l.w.DisableAccount(ctx, n.ExternalID)
}

// TestNHIRevokeLocksTheDirectoryAccount: an NHI owner review of LDAP
// service accounts; a revoke locks the account in slapd and retires the
// NHI, and the next pull, which reads the account as disabled, verifies
// it. An account revoked without directory write-back is not verified:
// the pull still sees it active.
func TestNHIRevokeLocksTheDirectoryAccount(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		srv := ldaptest.Start(t, ldaptest.Options{LDIF: ldaptest.Generate(suffix, ldaptest.Directory{People: 4, ServiceAccounts: 4})})
		clk := newClock()
		ids, err := identity.New(identity.Config{Sources: map[string]identity.SourceRole{"corp": identity.RoleDirectory}}, st)
		must(t, "identity", err)
		runner := &pull.Runner{Store: st, Identity: ids, Holder: "test", Now: clk.Now}
		cfg := ldap.Config{Name: "corp", URL: srv.URL, BindDN: srv.ReaderDN, BindPassword: srv.ReaderPassword, Preset: ldap.PresetOpenLDAP,
			People: ldap.Search{BaseDN: "ou=people," + suffix}, ServiceAccounts: &ldap.ServiceAccounts{BaseDN: "ou=services," + suffix}}
		src, err := ldap.New(cfg, nil)
		must(t, "source", err)
		t.Cleanup(func() { src.Close() })
		_, err = runner.Run(ctx, src, pull.Options{Full: true})
		must(t, "pull", err)
		w, err := ldap.NewGroupWriter(cfg, ldap.WriteCredentials{BindDN: srv.AdminDN, BindPassword: srv.AdminPassword})
		must(t, "writer", err)
		t.Cleanup(func() { w.Close() })

		// svc-0000 and svc-0003 are owned by persons 0 and 3.
		owner := map[int]string{}
		for _, i := range []int{0, 3} {
			ps, err := st.FindPersons(ctx, store.MatchUserName, ldaptest.UID(i))
			if err != nil || len(ps) != 1 {
				t.Fatalf("person %d", i)
			}
			owner[i] = ps[0].ID
		}
		def := review.Definition{Name: "nhi-owners", Kind: store.CampaignNHIs, Scope: `nhi.source == "corp" && nhi.ownerStatus == "active"`,
			Stages: []review.Stage{{Reviewers: []string{"nhi-owner"}}}, Remediate: review.RemediateImmediately}
		svc := newService(t, st, testCatalog(map[string]string{}), clk, def)
		svc.NHI = &nhi.Service{Store: st, Now: clk.Now}
		svc.Directories = map[string]review.NHIDisabler{"corp": ldapNHIDisabler{w}}
		runner.AfterRun = func(ctx context.Context, run store.SyncRun) error {
			_, err := svc.VerifyAfterSync(ctx, run.ID)
			return err
		}
		c, err := svc.Start(ctx, def.Name, "test", review.StartOptions{})
		must(t, "start", err)
		its := items(t, st, c.ID)
		if len(its) != 2 {
			t.Fatalf("%d items, want the 2 owned service accounts", len(its))
		}
		var locked, notLocked store.ReviewItem
		for _, it := range its {
			switch it.ReviewerIDs[0] {
			case owner[0]:
				locked = it
			case owner[3]:
				notLocked = it
			}
		}
		got, err := svc.Decide(ctx, review.Actor{PersonID: owner[0]}, locked.ID, review.Decision{Decision: store.DecisionRevoke, Justification: "decommissioned"})
		must(t, "revoke", err)
		if got.Remediation.State != store.RemediationFulfilled || got.Remediation.Adapter != "nhi+corp" || got.Remediation.VerifySource != "corp" {
			t.Fatalf("remediation %+v", got.Remediation)
		}
		// The other one is retired in syncd only (no write-back).
		svc.Directories = nil
		_, err = svc.Decide(ctx, review.Actor{PersonID: owner[3]}, notLocked.ID, review.Decision{Decision: store.DecisionRevoke, Justification: "unused"})
		must(t, "revoke", err)

		clk.Add(3600e9)
		run, err := runner.Run(ctx, src, pull.Options{Full: true})
		must(t, "second pull", err)
		got, err = st.GetReviewItem(ctx, locked.ID)
		must(t, "item", err)
		if got.Remediation.State != store.RemediationVerified || got.Remediation.VerifiedRun != run.ID {
			t.Fatalf("locked account: %+v", got.Remediation)
		}
		other, err := st.GetReviewItem(ctx, notLocked.ID)
		must(t, "item", err)
		if other.Remediation.State != store.RemediationFulfilled {
			t.Fatalf("an account the directory still shows active was verified: %+v", other.Remediation)
		}
	})
}
