package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
)

// ChangedOutcome is a past request that the proposed policy would decide
// differently.
type ChangedOutcome struct {
	RequestID   string
	Old, New    policy.Outcome
	Explanation string // the proposed policy's explanation
}

// LostEligibility is a live grant whose holder the proposed policy would
// no longer let request the item.
type LostEligibility struct {
	GrantID  string
	HolderID string
	Reason   string
}

// Simulation is what changing one item's policy would do.
type Simulation struct {
	ItemID           string
	Requests         int
	Changed          []ChangedOutcome
	Grants           int
	NoLongerEligible []LostEligibility
}

// notEligibleRules are the decisions that mean "may not hold this item",
// as opposed to "this particular window or form was wrong".
var notEligibleRules = []string{"eligibility", "sod", "beneficiary.inactive", "item.retired", "item.unknown", "policy.error"}

// Subjects reads a person as policy sees them now, and the items they
// hold; the request flow owns that mapping (access.Subject).
type Subjects func(ctx context.Context, tx store.Reader, personID string) (policy.Person, []string, error)

// Simulate evaluates proposed (a catalog where item itemID has a changed
// policy) against the requests recorded for the item, replaying each
// decision's stored inputs, and against the item's live grants with their
// holders as they are now (read through subjects). Nothing is written.
func Simulate(ctx context.Context, st store.ReadStore, proposed *Catalog, itemID string, now time.Time, subjects Subjects) (Simulation, error) {
	pc, errs := policy.Compile(proposed.Specs())
	if len(errs) > 0 {
		return Simulation{}, fmt.Errorf("catalog: simulate: proposed catalog: %v", errs)
	}
	if _, ok := pc.Item(itemID); !ok {
		return Simulation{}, fmt.Errorf("catalog: simulate: item %q: %w", itemID, store.ErrNotFound)
	}
	sim := Simulation{ItemID: itemID}
	reqs, err := st.ListRequests(ctx, store.RequestQuery{ItemID: itemID, Limit: 100000})
	if err != nil {
		return sim, fmt.Errorf("catalog: simulate: %w", err)
	}
	for _, r := range reqs {
		rec, err := st.GetPolicyDecision(ctx, r.DecisionID)
		if err != nil {
			return sim, fmt.Errorf("catalog: simulate: %w", err)
		}
		var in policy.Input
		if err := json.Unmarshal(rec.Inputs, &in); err != nil {
			return sim, fmt.Errorf("catalog: simulate: request %s: stored inputs: %w", r.ID, err)
		}
		sim.Requests++
		d := pc.Evaluate(in, proposed)
		if string(d.Outcome) != rec.Outcome {
			sim.Changed = append(sim.Changed, ChangedOutcome{RequestID: r.ID, Old: policy.Outcome(rec.Outcome), New: d.Outcome, Explanation: d.Explanation()})
		}
	}

	grants, err := st.ListGrants(ctx, store.GrantQuery{ItemID: itemID, States: []store.GrantState{store.GrantActive, store.GrantPending}, Limit: 100000})
	if err != nil {
		return sim, fmt.Errorf("catalog: simulate: %w", err)
	}
	for _, g := range grants {
		sim.Grants++
		var holder policy.Person
		var held []string
		if err := st.InSnapshot(ctx, func(tx store.Reader) error {
			var err error
			holder, held, err = subjects(ctx, tx, g.HolderID)
			return err
		}); err != nil {
			return sim, fmt.Errorf("catalog: simulate: %w", err)
		}
		// The window and form checks are about a new request, not about
		// holding the item: ask with a window and answers that pass them.
		spec, _ := pc.Item(itemID)
		in := policy.Input{Requester: holder, Beneficiary: holder, ItemID: itemID, Now: now,
			Grants:  slices.DeleteFunc(held, func(id string) bool { return id == itemID }),
			Request: policy.Request{Start: now, End: now.Add(time.Minute), Justification: "simulation", Environment: firstOr(spec.Environments)}}
		d := pc.Evaluate(in, proposed)
		if d.Outcome == policy.Deny && slices.Contains(notEligibleRules, d.Rule) {
			sim.NoLongerEligible = append(sim.NoLongerEligible, LostEligibility{GrantID: g.ID, HolderID: g.HolderID, Reason: d.Explanation()})
		}
	}
	return sim, nil
}

func firstOr(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return xs[0]
}
