package catalog

import (
	"context"

	"fmt"
	"github.com/syncd-dev/syncd/internal/store"
	"slices"
	"time"

	"github.com/syncd-dev/syncd/internal/policy"
)

// Severity of a lint finding: errors make the model unsafe and fail
// `syncd catalog lint`; warnings deserve a look.
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// LintFinding is one problem with one item.
type LintFinding struct {
	Item     string
	Severity Severity
	Rule     string
	Message  string
}

func (f LintFinding) String() string {
	return fmt.Sprintf("%s: %s [%s] %s", f.Severity, f.Item, f.Rule, f.Message)
}

// OwnerStatus tells lint whether a person ID is an active person.
type OwnerStatus func(personID string) (status string, found bool)

// PersonStatus is an OwnerStatus over the store.
func PersonStatus(ctx context.Context, st store.Tx) OwnerStatus {
	return func(id string) (string, bool) {
		p, err := st.GetPerson(ctx, id)
		if err != nil {
			return "", false
		}
		return string(p.Status), true
	}
}

// LintAll is Lint plus a warning for each approver group whose members
// name nobody (what `syncd catalog lint` reports).
func LintAll(c *Catalog, status OwnerStatus) []LintFinding {
	findings := Lint(c, status)
	groups := make([]string, 0, len(c.UnresolvedMembers))
	for group := range c.UnresolvedMembers {
		groups = append(groups, group)
	}
	slices.Sort(groups)
	for _, group := range groups {
		findings = append(findings, LintFinding{Item: "approverGroups." + group, Severity: SeverityWarning,
			Rule: "group-member-unknown", Message: fmt.Sprintf("members %v match no person", c.UnresolvedMembers[group])})
	}
	return findings
}

// Lint flags items that make the self-service model unsafe. status looks up
// owners; it may be nil when no store is at hand, and then owners are only
// checked for being named and resolved.
func Lint(c *Catalog, status OwnerStatus) []LintFinding {
	var out []LintFinding
	add := func(it Item, sev Severity, rule, format string, args ...any) {
		out = append(out, LintFinding{Item: it.ID, Severity: sev, Rule: rule, Message: fmt.Sprintf(format, args...)})
	}
	byID := map[string]Item{}
	for _, it := range c.Items {
		byID[it.ID] = it
	}
	for _, it := range c.Items {
		if it.Retired {
			continue
		}
		highRisk := it.Risk == policy.RiskHigh || it.Risk == policy.RiskCritical
		if it.AutoApprove != nil && highRisk {
			add(it, SeverityError, "auto-approve-high-risk", "auto-approval is configured on a %s-risk item (it will never apply; remove it or lower the risk)", it.Risk)
		}
		switch {
		case it.OwnerRef == "":
			add(it, SeverityError, "owner-missing", "no owner")
		case it.OwnerID == "":
			add(it, SeverityError, "owner-unknown", "owner %q matches no person", it.OwnerRef)
		case status != nil:
			if st, found := status(it.OwnerID); !found {
				add(it, SeverityError, "owner-unknown", "owner %q matches no person", it.OwnerRef)
			} else if st != "active" {
				add(it, SeverityError, "owner-inactive", "owner %q is %s", it.OwnerRef, st)
			}
		}
		if policy.IsCredential(it.Kind) {
			if it.MaxDuration == 0 && it.CredentialLifetime == 0 {
				add(it, SeverityError, "credential-no-max", "an NHI credential item without a maximum duration or credential lifetime")
			}
			if len(it.Environments) == 0 {
				add(it, SeverityError, "credential-no-environments", "an NHI credential item that allows no environment")
			}
		}
		switch {
		case it.Eligibility.Open() && highRisk:
			add(it, SeverityError, "open-eligibility-high-risk", "everyone may request this %s-risk item; name job functions, departments or a condition", it.Risk)
		case it.Eligibility.Open() && it.Risk != policy.RiskLow:
			add(it, SeverityWarning, "open-eligibility", "everyone may request this %s-risk item", it.Risk)
		}
		if it.MaxDuration > 365*24*time.Hour {
			add(it, SeverityWarning, "max-duration-over-a-year", "maximum duration %s is above one year; recertify long-lived access instead", it.MaxDuration)
		}
		if it.MaxDuration > 0 && it.DefaultDuration > it.MaxDuration {
			add(it, SeverityError, "default-exceeds-max", "default duration %s exceeds the maximum %s", it.DefaultDuration, it.MaxDuration)
		}
		for i, st := range policy.StagesOf(it.ItemSpec) {
			lintStage(c, it, i, st, func(sev Severity, rule, msg string) { add(it, sev, rule, "%s", msg) })
		}
		for _, other := range it.SoDConflicts {
			o, ok := byID[other]
			switch {
			case !ok:
				add(it, SeverityError, "sod-unknown", "separation-of-duties conflict with unknown item %q", other)
			case !slices.Contains(o.SoDConflicts, it.ID):
				add(it, SeverityWarning, "sod-one-way", "conflicts with %s, but %s does not list %s (enforced both ways; declare it on both)", other, other, it.ID)
			}
		}
	}
	return out
}

func lintStage(c *Catalog, it Item, i int, st policy.StageSpec, add func(Severity, string, string)) {
	name := st.Name
	if name == "" {
		name = fmt.Sprintf("#%d", i+1)
	}
	if len(st.Approvers) == 0 && len(st.Fallback) == 0 {
		add(SeverityError, "stage-no-approvers", fmt.Sprintf("approval stage %s names no approvers", name))
		return
	}
	certain := 0 // approvers that exist whoever the beneficiary is
	for _, a := range append(slices.Clone(st.Approvers), st.Fallback...) {
		if a.Group != "" {
			members, known := c.ApproverGroups[a.Group]
			switch {
			case !known:
				add(SeverityError, "stage-unknown-group", fmt.Sprintf("approval stage %s names unknown approver group %q", name, a.Group))
			case len(members) == 0:
				add(SeverityError, "stage-empty-group", fmt.Sprintf("approval stage %s names approver group %q, which resolves to nobody", name, a.Group))
			}
			certain += len(members)
		}
		if a.ItemOwner && it.OwnerID != "" {
			certain++
		}
		certain += len(a.Persons)
	}
	// A requester or beneficiary among the approvers is excluded, so a stage
	// needs one more certain approver than its quorum to never be empty.
	if quorum := max(st.Quorum, 1); certain < quorum+1 {
		advice := "add a fallback"
		if len(st.Fallback) > 0 {
			advice = "its fallback can resolve to too few as well; name a group or persons in it"
		}
		add(SeverityWarning, "stage-may-resolve-to-nobody", fmt.Sprintf("approval stage %s can resolve to fewer than %d approver(s) when the requester, beneficiary or a missing manager is excluded; %s", name, quorum, advice))
	}
}
