package access_test

import (
	"errors"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestOnboardServiceAccountThroughRequest is the seed's fourth flow: a
// platform engineer onboards a service account through a governed request
// (name, owner, project) instead of ad hoc issuance; the owner approves,
// the account lands in the NHI inventory owned by the requester in the
// project, and revoking the grant retires it.
func TestOnboardServiceAccountThroughRequest(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		ids := org(t, st)
		c := &clock{time.Now().UTC()}
		cat := &catalog.Catalog{Items: []catalog.Item{{ItemSpec: policy.ItemSpec{
			ID: "onboard-service-account", Name: "New service account", Kind: "service-account-role", Risk: policy.RiskMedium, OwnerID: ids["eve"],
			Eligibility: policy.Eligibility{JobFunctions: []string{"engineer"}},
			Stages:      []policy.StageSpec{{Name: "owner", Approvers: []policy.ApproverSpec{{ItemOwner: true}}}},
			MaxDuration: 365 * 24 * time.Hour, JustificationRequired: true},
			Fulfillment: catalog.Fulfillment{Type: "service-account"}}}}
		svc, err := access.NewService(st, cat, map[string]access.Fulfiller{"service-account": access.ServiceAccount{Store: st, Now: c.now}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		svc.Now = c.now
		end := c.t.AddDate(1, 0, 0)
		past := c.t.AddDate(0, -1, 0)
		live, err := st.CreateProject(ctx, store.Project{Name: "apollo", OwnerID: ids["eve"], EndDate: &end, Status: store.ProjectActive})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateProject(ctx, store.Project{Name: "gemini", OwnerID: ids["eve"], EndDate: &past, Status: store.ProjectActive}); err != nil {
			t.Fatal(err)
		}

		for _, bad := range []access.Submission{
			{NHIName: "", Project: "apollo"},
			{NHIName: "svc etl!", Project: "apollo"},
			{NHIName: "svc-etl", Project: ""},
			{NHIName: "svc-etl", Project: "nope"},
			{NHIName: "svc-etl", Project: "gemini"},
		} {
			bad.RequesterID, bad.ItemID, bad.Justification = ids["pat"], "onboard-service-account", "nightly ETL"
			if _, err := svc.Submit(ctx, bad); !errors.Is(err, access.ErrInvalid) {
				t.Fatalf("%+v: %v", bad, err)
			}
		}
		if rs, _ := st.ListRequests(ctx, store.RequestQuery{}); len(rs) != 0 {
			t.Fatalf("refused submissions stored %d requests", len(rs))
		}

		out, err := svc.Submit(ctx, access.Submission{RequesterID: ids["pat"], ItemID: "onboard-service-account",
			Justification: "nightly ETL", Environment: "prod", NHIName: "svc-etl", Project: "apollo"})
		if err != nil || out.Request.State != store.RequestPending || out.Request.Project != live.ID {
			t.Fatalf("submit: %+v %v", out, err)
		}
		dec, err := svc.Decide(ctx, ids["eve"], out.Request.ID, true, "")
		if err == nil {
			dec.Grant = settle(t, svc, dec.Grant)
		}
		if err != nil || dec.Grant == nil || dec.Grant.State != store.GrantActive {
			t.Fatalf("approve: %+v %v", dec, err)
		}
		n, err := st.GetNHIByExternalID(ctx, "request", dec.Grant.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n.Kind != store.KindServiceAccount || n.Name != "svc-etl" || n.OwnerID != ids["pat"] || n.ProjectID != live.ID || n.Environment != "prod" || n.Status != store.NHIActive {
			t.Fatalf("onboarded NHI: %+v", n)
		}
		if _, err := svc.RevokeAs(ctx, "person:"+ids["eve"], dec.Grant.ID, "ETL moved to the platform", false); err != nil {
			t.Fatal(err)
		}
		work(t, svc)
		if n, _ = st.GetNHI(ctx, n.ID); n.Status != store.NHIRetired {
			t.Fatalf("after revocation: %+v", n)
		}
	})
}
