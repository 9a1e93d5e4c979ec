package catalog

import (
	"fmt"
	"maps"
	"reflect"
	"slices"

	"github.com/syncd-dev/syncd/internal/policy"
)

var riskRank = map[string]int{policy.RiskLow: 0, policy.RiskMedium: 1, policy.RiskHigh: 2, policy.RiskCritical: 3}

// Loosens lists how changing an item's policy from old to proposed makes
// it easier to obtain: such a change needs a second person (four eyes);
// none (nil) means it tightens or keeps the item and applies at once. A
// changed CEL condition counts as loosening, since whether it admits more
// people cannot be decided from its text.
func Loosens(old, proposed policy.ItemSpec) []string {
	var why []string
	add := func(format string, args ...any) { why = append(why, fmt.Sprintf(format, args...)) }
	if old.Retired && !proposed.Retired {
		add("brought back from retirement")
	}
	if riskRank[proposed.Risk] < riskRank[old.Risk] {
		add("risk lowered from %s to %s", old.Risk, proposed.Risk)
	}
	switch {
	case proposed.AutoApprove != nil && old.AutoApprove == nil:
		add("auto-approval added")
	case proposed.AutoApprove != nil && widerCondition(*old.AutoApprove, *proposed.AutoApprove):
		add("auto-approval widened")
	}
	if widerEligibility(old.Eligibility, proposed.Eligibility) {
		add("eligibility widened")
	}
	if old.MaxDuration > 0 && (proposed.MaxDuration == 0 || proposed.MaxDuration > old.MaxDuration) {
		add("maximum duration lengthened from %s to %s", old.MaxDuration, orUnlimited(proposed.MaxDuration))
	}
	oldStages, newStages := policy.StagesOf(old), policy.StagesOf(proposed)
	switch {
	case len(newStages) < len(oldStages):
		add("approval stages dropped (%d to %d)", len(oldStages), len(newStages))
	default:
		for i, st := range oldStages {
			if max(newStages[i].Quorum, 1) < max(st.Quorum, 1) {
				add("quorum of stage %s lowered", st.Name)
			}
			// Who approves decides as much as how many: a different
			// approver or fallback may be someone more lenient.
			if !reflect.DeepEqual(st.Approvers, newStages[i].Approvers) || !reflect.DeepEqual(st.Fallback, newStages[i].Fallback) {
				add("approvers of stage %s changed", st.Name)
			}
		}
	}
	for _, c := range old.SoDConflicts {
		if !slices.Contains(proposed.SoDConflicts, c) {
			add("separation-of-duties conflict with %s removed", c)
		}
	}
	if old.JustificationRequired && !proposed.JustificationRequired {
		add("justification no longer required")
	}
	return why
}

// ItemLoosens is Loosens over a whole item: also what it grants and how
// (a changed target or fulfillment grants something else, as a new item
// would) and birthright job functions added (they grant without any
// request).
func ItemLoosens(old, proposed Item) []string {
	why := Loosens(old.ItemSpec, proposed.ItemSpec)
	if added(old.Birthright, proposed.Birthright) {
		why = append(why, "birthright job functions added")
	}
	if old.Target != proposed.Target {
		why = append(why, "target changed")
	}
	if old.Fulfillment.Type != proposed.Fulfillment.Type || !maps.Equal(old.Fulfillment.Params, proposed.Fulfillment.Params) {
		why = append(why, "fulfillment changed")
	}
	return why
}

func widerCondition(old, proposed policy.Condition) bool {
	return added(old.JobFunctions, proposed.JobFunctions) || proposed.When != old.When && proposed.When != ""
}

func widerEligibility(old, proposed policy.Eligibility) bool {
	if old.Open() {
		return false
	}
	if proposed.Open() {
		return true
	}
	return added(old.JobFunctions, proposed.JobFunctions) || added(old.Departments, proposed.Departments) ||
		(proposed.When != old.When && proposed.When != "")
}

func added(old, proposed []string) bool {
	for _, x := range proposed {
		if !slices.Contains(old, x) {
			return true
		}
	}
	return false
}

func orUnlimited(d interface{ String() string }) string {
	if s := d.String(); s != "0s" {
		return s
	}
	return "unlimited"
}
