package nhi_test

import (
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/authz"
	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/scim/scimtest"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestLeaverThroughSCIMPush deactivates an NHI owner the way Entra and
// Okta do (PATCH replace active false over SCIM) and follows the
// remediation: a re-ownership task per NHI for the owner's manager; one is
// accepted (new owner, finding resolved), the other expires at its
// deadline and the default action applies.
func TestLeaverThroughSCIMPush(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		now := time.Now().UTC().Truncate(time.Second)
		clock := func() time.Time { return now }
		ids, err := identity.New(identity.Config{}, st)
		if err != nil {
			t.Fatal(err)
		}
		scimSrv := scimtest.Start(t, st, ids, "okta")
		push := scimSrv.Call
		user := func(login, manager string) map[string]any {
			u := map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": login + "@example.com", "active": true}
			if manager != "" {
				u["schemas"] = append(u["schemas"].([]string), "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
				u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] = map[string]any{"manager": map[string]any{"value": manager}}
			}
			return u
		}
		boss := push("POST", "/Users", user("boss", ""))["id"].(string)
		owner := push("POST", "/Users", user("owen", boss))["id"].(string)

		svc := &nhi.Service{Store: st, Now: clock,
			Remediation: nhi.Remediation{Deadline: 7 * 24 * time.Hour, FallbackTeam: "security", DefaultAction: nhi.ActionFlag}}
		var accounts []store.NHI
		for _, name := range []string{"svc-billing", "svc-reports"} {
			n, err := svc.CreateNHI(ctx, "test", nhi.NHIInput{Kind: store.KindServiceAccount, Name: name, Environment: "prod", Owner: owner})
			if err != nil {
				t.Fatal(err)
			}
			accounts = append(accounts, n)
		}
		if sum, err := svc.Evaluate(ctx); err != nil || sum.Opened != 0 {
			t.Fatalf("before the leaver: %+v %v", sum, err)
		}

		scimSrv.Deactivate(owner)
		if p, _ := st.GetPerson(ctx, owner); p.Status != store.StatusDisabled {
			t.Fatalf("owner after active:false: %s", p.Status)
		}
		if _, err := svc.Evaluate(ctx); err != nil {
			t.Fatal(err)
		}
		tasks, err := st.ListTasks(ctx, store.TaskQuery{State: store.TaskOpen})
		if err != nil || len(tasks) != 2 {
			t.Fatalf("tasks: %+v %v", tasks, err)
		}
		for _, k := range tasks {
			if k.AssigneeID != boss || !k.Deadline.Equal(now.Add(7*24*time.Hour)) {
				t.Fatalf("task not routed to the manager with the deadline: %+v", k)
			}
		}

		// The manager accepts one account.
		var first store.ReownershipTask
		for _, k := range tasks {
			if k.NHIID == accounts[0].ID {
				first = k
			}
		}
		if _, err := svc.AcceptTask(ctx, authz.Principal{PersonID: boss}, "person:"+boss, first.ID, boss); err != nil {
			t.Fatal(err)
		}
		if n, _ := st.GetNHI(ctx, accounts[0].ID); n.OwnerID != boss {
			t.Fatalf("accepted account owner: %+v", n)
		}
		if fs, _ := st.ListFindings(ctx, store.FindingQuery{NHIID: accounts[0].ID}); len(fs) != 0 {
			t.Fatalf("finding still open after acceptance: %+v", fs)
		}

		// Nobody takes the other one: past the deadline it expires and the
		// default action (flag for disablement) applies.
		now = now.Add(8 * 24 * time.Hour)
		if _, err := svc.Evaluate(ctx); err != nil {
			t.Fatal(err)
		}
		expired, err := st.ListTasks(ctx, store.TaskQuery{NHIID: accounts[1].ID})
		if err != nil || len(expired) != 1 || expired[0].State != store.TaskExpired || expired[0].Action != string(nhi.ActionFlag) {
			t.Fatalf("expired task: %+v %v", expired, err)
		}
	})
}
