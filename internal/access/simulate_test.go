package access_test

import (
	"github.com/syncd-dev/syncd/internal/catalog"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

func TestSimulateTighterEligibility(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ids := org(t, st)
		c := &clock{time.Now().UTC()}
		svc := newService(t, st, ids, c)
		if _, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids["dana"], ItemID: "finance-reports"}); err != nil {
			t.Fatal(err)
		}
		out, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids["sam"], ItemID: "finance-reports"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Decide(t.Context(), ids["mia"], out.Request.ID, true, ""); err != nil {
			t.Fatal(err)
		}

		proposed := catalogFor(ids)
		proposed.Items[0].Eligibility = policy.Eligibility{JobFunctions: []string{"finance-analyst"}} // Sales no longer
		sim, err := catalog.Simulate(t.Context(), st, proposed, "finance-reports", c.t, access.Subject)
		if err != nil {
			t.Fatal(err)
		}
		if sim.Requests != 2 || len(sim.Changed) != 1 || sim.Changed[0].RequestID != out.Request.ID ||
			sim.Changed[0].Old != policy.Approval || sim.Changed[0].New != policy.Deny {
			t.Fatalf("changed outcomes: %+v", sim)
		}
		if sim.Grants != 2 || len(sim.NoLongerEligible) != 1 || sim.NoLongerEligible[0].HolderID != ids["sam"] {
			t.Fatalf("eligibility: %+v", sim)
		}
		// Simulation writes nothing.
		reqs, _ := st.ListRequests(t.Context(), store.RequestQuery{})
		if len(reqs) != 2 {
			t.Fatalf("%d requests after simulation", len(reqs))
		}
	})
}
