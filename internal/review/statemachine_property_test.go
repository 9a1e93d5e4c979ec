package review_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestReviewItemStateMachineProperty drives a two-stage campaign with
// random sequences of decisions (certify, revoke, reassign, changed
// decisions, by reviewers, holders and strangers, with and without
// justification), clock jumps with ticks (escalation of unanswered items,
// the capped default at each deadline, remediation) and closes by hand,
// on both databases. After every step the items must obey the state
// machine: a decision succeeds exactly when its guard allows it and is
// then what the item holds, a refused one changes nothing, the holder is
// never a reviewer, a final decision never changes, remediation only
// follows a final revoke, every decision is on record, and a closed
// campaign has only final items.
func TestReviewItemStateMachineProperty(t *testing.T) {
	seeds := []uint64{1, 2, 3, 4}
	if testing.Short() {
		seeds = seeds[:1]
	}
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		for _, seed := range seeds {
			t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
				runStateMachine(t, st, seed, 80)
			})
		}
	})
}

type smStep struct {
	what string
	err  error
}

func runStateMachine(t *testing.T, st store.Store, seed uint64, steps int) {
	ctx := t.Context()
	r := rand.New(rand.NewPCG(seed, 99))
	clk := newClock()
	ids := loadOrg(t, identityService(t, st, clk.Now), smallOrg)
	cat := testCatalog(ids)
	start := clk.Now().Add(-time.Duration(seed) * 24 * time.Hour)
	// Each run has its own grants: the store is shared by the seeds.
	for _, g := range [][2]string{{"finance-reports", "dana"}, {"finance-reports", "sam"}, {"payroll-admin", "fred"},
		{"payroll-admin", "dana"}, {"wiki", "devon"}, {"wiki", "pat"}, {"wiki", "olga"}, {"wiki", "sam"}} {
		grant(t, st, g[0], ids[g[1]], store.AssuranceApproved, start)
	}
	def := review.Definition{
		Name: fmt.Sprintf("sm-%d", seed), Kind: store.CampaignGrants, Scope: `true`, FallbackGroup: "security",
		Stages: []review.Stage{
			{Name: "manager", Reviewers: []string{"manager"}, Fallback: []string{"item-owner"}, Duration: 7 * 24 * time.Hour, Advance: "revoked"},
			{Name: "security", Reviewers: []string{"group:security"}, Duration: 7 * 24 * time.Hour},
		},
		Default:    review.Default{Action: review.DefaultRecommendation, CapPercent: 50},
		Escalation: review.Escalation{After: 3 * 24 * time.Hour, To: []string{"group:finance-leads"}, Mode: "add"},
	}
	svc := newService(t, st, cat, clk, def)
	rev, _ := accessRevoker(t, st, cat, nil, clk.Now)
	svc.Revoker = rev
	c, err := svc.Start(ctx, def.Name, "test", review.StartOptions{})
	must(t, "start", err)

	people := make([]string, 0, len(ids))
	for _, p := range smallOrg {
		people = append(people, ids[p.login])
	}
	finalDecision := map[int64]string{}
	decisions := map[int64]int{} // decisions on record per item, as the model expects at least
	var history []smStep
	stats := map[string]int{}
	closedSteps := 0
	defer func() { t.Logf("decisions by guard outcome: %v", stats) }()
	fail := func(format string, args ...any) {
		t.Helper()
		for i, h := range history {
			t.Logf("step %d: %s (%v)", i, h.what, h.err)
		}
		t.Fatalf(format, args...)
	}

	for step := 0; step < steps; step++ {
		before := items(t, st, c.ID)
		camp, err := st.GetCampaign(ctx, c.ID)
		must(t, "campaign", err)
		switch k := r.IntN(40); {
		case k < 32: // a decision
			it := before[r.IntN(len(before))]
			var actor string
			switch a := r.IntN(10); {
			case a < 6 && len(it.ReviewerIDs) > 0:
				actor = it.ReviewerIDs[r.IntN(len(it.ReviewerIDs))]
			case a < 8:
				actor = it.HolderID
			default:
				actor = people[r.IntN(len(people))]
			}
			dec := review.Decision{Decision: []string{store.DecisionCertify, store.DecisionRevoke, store.DecisionReassign}[r.IntN(3)]}
			if r.IntN(5) > 0 {
				dec.Justification = "reason " + fmt.Sprint(step)
			}
			if dec.Decision == store.DecisionReassign {
				dec.ReassignTo = people[r.IntN(len(people))]
			}
			_, derr := svc.Decide(ctx, review.Actor{PersonID: actor, Issuer: "https://idp.test", Subject: "sub-" + actor}, it.ID, dec)
			history = append(history, smStep{fmt.Sprintf("%s decides %s on item %d (%s)", actor, dec.Decision, it.ID, dec.Justification), derr})
			after, err := st.GetReviewItem(ctx, it.ID)
			must(t, "item", err)
			allowed, why := guard(camp, it, actor, dec)
			stats[why]++
			switch {
			case allowed && derr != nil:
				fail("step %d: a decision the guard allows was refused: %v", step, derr)
			case !allowed && derr == nil:
				fail("step %d: a decision the guard refuses (%s) was taken", step, why)
			case !allowed:
				if !errors.Is(derr, review.ErrForbidden) && !errors.Is(derr, review.ErrInvalid) && !errors.Is(derr, review.ErrClosed) {
					fail("step %d: refused with an unexpected error: %v", step, derr)
				}
				if after.Version != it.Version {
					fail("step %d: a refused decision changed the item: %+v -> %+v", step, it, after)
				}
			default:
				decisions[it.ID]++
				if after.Version <= it.Version {
					fail("step %d: version did not grow", step)
				}
				if dec.Decision == store.DecisionReassign {
					if after.Decision != "" || after.State != store.ItemPending || !slices.Equal(after.ReviewerIDs, []string{dec.ReassignTo}) {
						fail("step %d: after a reassignment: %+v", step, after)
					}
				} else if after.Decision != dec.Decision || after.DecidedBy != actor || after.DecidedSubject != "sub-"+actor ||
					after.Defaulted || (after.State != store.ItemDecided && after.State != store.ItemFinal) {
					fail("step %d: after %s: %+v", step, dec.Decision, after)
				}
			}
		case k < 39: // time passes; the scheduled work runs
			d := time.Duration(r.IntN(3*24)) * time.Hour
			clk.Add(d)
			err := svc.Tick(ctx)
			history = append(history, smStep{fmt.Sprintf("clock +%s, tick", d), err})
			must(t, "tick", err)
		default: // closed by hand
			_, err := svc.Close(ctx, c.ID, "test")
			history = append(history, smStep{"close by hand", err})
			must(t, "close", err)
		}

		// Invariants over every item.
		camp, err = st.GetCampaign(ctx, c.ID)
		must(t, "campaign", err)
		for _, it := range items(t, st, c.ID) {
			if slices.Contains(it.ReviewerIDs, it.HolderID) {
				fail("step %d: item %d: the holder reviews their own access: %v", step, it.ID, it.ReviewerIDs)
			}
			switch it.State {
			case store.ItemPending:
				if it.Decision != "" {
					fail("step %d: item %d pending with decision %q", step, it.ID, it.Decision)
				}
			case store.ItemEscalated:
				if it.Decision != "" || !it.Escalated {
					fail("step %d: item %d escalated: %+v", step, it.ID, it)
				}
			case store.ItemDecided, store.ItemFinal:
				if (it.Decision != store.DecisionCertify && it.Decision != store.DecisionRevoke) || it.DecidedAt == nil || it.DecidedBy == "" {
					fail("step %d: item %d %s: %+v", step, it.ID, it.State, it)
				}
			default:
				fail("step %d: item %d in unknown state %q", step, it.ID, it.State)
			}
			if it.State == store.ItemDecided && it.Stage != camp.Stage {
				fail("step %d: item %d decided in stage %d, campaign in stage %d", step, it.ID, it.Stage, camp.Stage)
			}
			if it.Remediation.State != store.RemediationNone && (it.Decision != store.DecisionRevoke || it.State != store.ItemFinal) {
				fail("step %d: item %d has remediation %s without a final revoke: %+v", step, it.ID, it.Remediation.State, it)
			}
			if it.State == store.ItemFinal && it.Decision == store.DecisionRevoke && it.Remediation.State == store.RemediationNone {
				fail("step %d: item %d revoked for good, but no remediation", step, it.ID)
			}
			if prev, ok := finalDecision[it.ID]; ok && (it.State != store.ItemFinal || it.Decision != prev) {
				fail("step %d: item %d was final with %s, now %s %s", step, it.ID, prev, it.State, it.Decision)
			}
			if it.State == store.ItemFinal {
				finalDecision[it.ID] = it.Decision
			}
			if camp.State == store.CampaignClosed && it.State != store.ItemFinal {
				fail("step %d: campaign closed, item %d is %s", step, it.ID, it.State)
			}
			ds, err := st.ListReviewDecisions(ctx, c.ID, it.ID, 0, 1000)
			must(t, "decisions", err)
			mine := 0
			for _, d := range ds {
				if !d.Defaulted {
					mine++
					if d.ReviewerID == it.HolderID {
						fail("step %d: item %d: a decision on record by its holder", step, it.ID)
					}
				}
			}
			if mine != decisions[it.ID] {
				fail("step %d: item %d: %d reviewer decisions on record, %d taken", step, it.ID, mine, decisions[it.ID])
			}
		}
		if camp.State == store.CampaignClosed {
			if closedSteps++; closedSteps > 5 {
				return // a few more steps show decisions refused once closed
			}
		}
	}
}

// guard is the model of when a decision may be taken, from the issue:
// the campaign active, the item in its current stage and not final, the
// actor one of its reviewers and never its holder, a justification for
// revoke, for certifying a high or critical item and for a reassignment,
// and a reassignment only to someone other than the holder.
func guard(c store.Campaign, it store.ReviewItem, actor string, dec review.Decision) (bool, string) {
	switch {
	case dec.Decision == store.DecisionReassign && dec.ReassignTo == it.HolderID:
		return false, "reassigned to the holder"
	case c.State != store.CampaignActive:
		return false, "campaign " + string(c.State)
	case it.State == store.ItemFinal || it.Stage != c.Stage:
		return false, "item final"
	case actor == it.HolderID:
		return false, "holder"
	case !slices.Contains(it.ReviewerIDs, actor):
		return false, "not a reviewer"
	case dec.Justification == "" && dec.Decision != store.DecisionCertify:
		return false, "no justification"
	case dec.Justification == "" && (it.Snapshot.RiskTier == "high" || it.Snapshot.RiskTier == "critical"):
		return false, "high risk without justification"
	}
	return true, ""
}
