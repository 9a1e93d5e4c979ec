package policy

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"cel.dev/cel-go/cel"
)

// startSlack is how far in the past a requested start may lie (a form
// submitted a moment after it was filled in).
const startSlack = 5 * time.Minute

// Evaluate decides in. It never returns an error: a condition that fails to
// evaluate denies the request with the error as the reason, so a broken
// policy can never approve.
func (c *Catalog) Evaluate(in Input, dir Directory) Decision {
	d := Decision{CatalogVersion: c.Version}
	deny := func(rule, format string, args ...any) Decision {
		d.Outcome, d.Rule = Deny, rule
		d.Reasons = append(d.Reasons, fmt.Sprintf(format, args...))
		return d
	}
	it, ok := c.items[in.ItemID]
	if !ok {
		return deny("item.unknown", "no catalog item %q", in.ItemID)
	}
	s := it.spec
	who := name(in.Beneficiary)
	label := c.itemName(s.ID) // items by name in the reasons people read
	switch {
	case s.Retired:
		return deny("item.retired", "item %s is retired", label)
	case in.Beneficiary.Status != "active":
		return deny("beneficiary.inactive", "%s is %s, not active", who, orUnknown(in.Beneficiary.Status))
	case in.Request.NHI != nil && in.Request.NHI.Status != "active":
		return deny("beneficiary.inactive", "%s %s is %s, not active", in.Request.NHI.Kind, in.Request.NHI.Name, orUnknown(in.Request.NHI.Status))
	}

	r := in.Request
	switch {
	case !r.End.After(r.Start):
		return deny("window.invalid", "the requested end %s is not after the start %s", day(r.End), day(r.Start))
	case !r.End.After(in.Now):
		return deny("window.past", "the requested window ended %s, in the past", day(r.End))
	case r.Start.Before(in.Now.Add(-startSlack)):
		return deny("window.past", "the requested start %s is in the past", day(r.Start))
	case s.MaxDuration > 0 && r.End.Sub(r.Start) > s.MaxDuration:
		return deny("window.too-long", "window too long: %s requested, item %s allows at most %s", span(r.End.Sub(r.Start)), label, span(s.MaxDuration))
	case s.JustificationRequired && strings.TrimSpace(r.Justification) == "":
		return deny("justification.missing", "item %s requires a justification", label)
	}
	if IsCredential(s.Kind) {
		switch {
		case !slices.Contains(s.Environments, r.Environment):
			return deny("environment.not-allowed", "environment %q is not allowed for %s (allowed: %s)", r.Environment, label, list(s.Environments))
		case s.CredentialLifetime > 0 && r.End.Sub(r.Start) > s.CredentialLifetime:
			return deny("credential.lifetime", "credential lifetime %s exceeds the %s that %s allows", span(r.End.Sub(r.Start)), span(s.CredentialLifetime), label)
		}
	}

	var vars map[string]any // built once, only when a CEL condition needs it
	activation := func() map[string]any {
		if vars == nil {
			vars = activationOf(in, s)
		}
		return vars
	}

	eligibleBy, cond, err := c.eligible(it, in, activation)
	if err != nil {
		return deny("policy.error", "eligibility condition of %s failed: %v", label, err)
	}
	if eligibleBy == "" {
		return deny("eligibility", "%s is not eligible for %s: %s", who, label, ineligibleWhy(s.Eligibility, in.Beneficiary))
	}
	for _, g := range in.Grants {
		if it.conflicts[g] {
			return deny("sod", "separation of duties: %s holds %s, which conflicts with %s", who, c.itemName(g), label)
		}
	}
	for _, g := range in.Pending {
		if it.conflicts[g] {
			return deny("sod", "separation of duties: %s has a pending request for %s, which conflicts with %s", who, c.itemName(g), label)
		}
	}
	d.Reasons = append(d.Reasons, eligibleBy)
	if cond != "" {
		d.Conditions = append(d.Conditions, cond)
	}

	if s.AutoApprove != nil {
		by, cond, err := autoApproveBy(it, in, activation)
		switch {
		case err != nil:
			d.Reasons = append(d.Reasons, fmt.Sprintf("auto-approval condition failed (%v), so approval is required", err))
		case by != "" && (s.Risk == RiskLow || s.Risk == RiskMedium):
			d.Outcome, d.Rule = AutoApprove, "auto-approve"
			if cond != "" {
				d.Conditions = append(d.Conditions, cond)
			}
			if len(d.Reasons) > 0 && d.Reasons[0] == by {
				d.Reasons = d.Reasons[:0]
			}
			d.Reasons = append(d.Reasons, by, "item risk "+s.Risk)
			return d
		case by != "":
			d.Reasons = append(d.Reasons, fmt.Sprintf("auto-approval matched but is never allowed at risk %s", s.Risk))
		}
	}

	stages, why := resolveStages(s, in, dir)
	if why != "" {
		return deny("approval.no-approver", "%s", why)
	}
	d.Outcome, d.Rule, d.Stages = Approval, "approval", stages
	d.Reasons = append(d.Reasons, "item risk "+s.Risk)
	return d // Explanation adds the stages, with names when it has them
}

// eligible returns why the beneficiary may request the item, or "", in
// words, and the CEL condition that held, if that was the reason.
func (c *Catalog) eligible(it *item, in Input, activation func() map[string]any) (string, string, error) {
	e, b := it.spec.Eligibility, in.Beneficiary
	if e.Open() {
		return "the item is open to everyone", "", nil
	}
	if jf := firstShared(b.JobFunctions, e.JobFunctions); jf != "" {
		return fmt.Sprintf("%s holds job function %s", name(b), jf), "", nil
	}
	for _, dep := range e.Departments {
		if strings.EqualFold(dep, b.Department) && b.Department != "" {
			return fmt.Sprintf("%s is in department %s", name(b), b.Department), "", nil
		}
	}
	if it.eligibility != nil {
		ok, err := evalBool(it.eligibility, activation())
		if err != nil {
			return "", "", err
		}
		if ok {
			return fmt.Sprintf("%s meets the item's eligibility condition", name(b)), it.spec.Eligibility.When, nil
		}
	}
	return "", "", nil
}

// autoApproveBy returns why the request is approved at once, or "", in
// words, and the CEL condition that held, if that was the reason.
func autoApproveBy(it *item, in Input, activation func() map[string]any) (string, string, error) {
	a, b := it.spec.AutoApprove, in.Beneficiary
	if jf := firstShared(b.JobFunctions, a.JobFunctions); jf != "" {
		return fmt.Sprintf("%s holds job function %s", name(b), jf), "", nil
	}
	if it.autoApprove != nil {
		ok, err := evalBool(it.autoApprove, activation())
		if err != nil || !ok {
			return "", "", err
		}
		return fmt.Sprintf("%s meets the item's auto-approval condition", name(b)), a.When, nil
	}
	return "", "", nil
}

func evalBool(prg cel.Program, vars map[string]any) (bool, error) {
	out, _, err := prg.Eval(vars)
	if err != nil {
		return false, err
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("condition returned %v, not a bool", out.Value())
	}
	return b, nil
}

// itemName is the item's name ("" or unknown: its id).
func (c *Catalog) itemName(id string) string {
	if it, ok := c.items[id]; ok && it.spec.Name != "" {
		return it.spec.Name
	}
	return id
}
