package access_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestNoGrantApprovedByItsRequesterOrBeneficiary drives random sequences of
// submissions, decisions by random people, and deadline sweeps, then checks
// the invariants over every grant: none was approved by its requester or
// beneficiary, and each has its request's decision record.
func TestNoGrantApprovedByItsRequesterOrBeneficiary(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ids := org(t, st)
		c := &clock{time.Now().UTC()}
		svc := newService(t, st, ids, c)
		var people []string
		for _, id := range ids {
			people = append(people, id)
		}
		slices.Sort(people)
		items := []string{"finance-reports", "payments-api-key"}
		rng := rand.New(rand.NewPCG(7, 11))
		var pending []string
		for range 120 {
			switch op := rng.IntN(10); {
			case op < 4:
				req := people[rng.IntN(len(people))]
				ben := req
				if rng.IntN(3) == 0 {
					ben = people[rng.IntN(len(people))]
				}
				out, err := svc.Submit(t.Context(), access.Submission{RequesterID: req, BeneficiaryID: ben, ItemID: items[rng.IntN(2)],
					Environment: []string{"dev", "prod"}[rng.IntN(2)], Justification: "j", End: c.t.Add(time.Duration(1+rng.IntN(40)) * 24 * time.Hour)})
				if err == nil && out.Request.State == store.RequestPending {
					pending = append(pending, out.Request.ID)
				}
			case op < 9 && len(pending) > 0:
				_, _ = svc.Decide(t.Context(), people[rng.IntN(len(people))], pending[rng.IntN(len(pending))], rng.IntN(4) > 0, "ok")
			default:
				c.t = c.t.Add(time.Duration(rng.IntN(3)) * time.Hour)
				if _, err := svc.Sweep(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
		}
		grants, err := st.ListGrants(t.Context(), store.GrantQuery{Limit: 10000})
		if err != nil {
			t.Fatal(err)
		}
		approved := 0
		for _, g := range grants {
			r, err := st.GetRequest(t.Context(), g.RequestID)
			if err != nil {
				t.Fatalf("grant %s without its request: %v", g.ID, err)
			}
			d, err := st.GetPolicyDecision(t.Context(), g.DecisionID)
			if err != nil || d.RequestID != r.ID {
				t.Fatalf("grant %s without its decision record: %+v %v", g.ID, d, err)
			}
			for _, a := range g.ApproverIDs {
				if a == r.RequesterID || a == r.BeneficiaryID {
					t.Fatalf("grant %s approved by %s, its requester or beneficiary", g.ID, a)
				}
			}
			if g.Assurance == store.AssuranceApproved {
				approved++
				if len(g.ApproverIDs) == 0 {
					t.Fatalf("approved grant %s names no approver", g.ID)
				}
			}
		}
		if len(grants) == 0 || approved == 0 {
			t.Fatalf("the sequence exercised too little: %d grants, %d approved", len(grants), approved)
		}
	})
}
