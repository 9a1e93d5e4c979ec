package nhi

import (
	"fmt"
	"slices"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// Rule ids. Each finding names exactly one.
const (
	RuleNoOwner           = "no-owner"
	RuleOwnerInactive     = "owner-inactive"
	RuleProjectEnded      = "project-ended"
	RuleCredentialExpired = "credential-expired"
	RuleRotationOverdue   = "rotation-overdue"
	RuleUnused            = "unused"
)

// Rules lists every rule id in report order.
var Rules = []string{RuleNoOwner, RuleOwnerInactive, RuleProjectEnded, RuleCredentialExpired, RuleRotationOverdue, RuleUnused}

// KnownRule reports whether r is a rule id.
func KnownRule(r string) bool { return slices.Contains(Rules, r) }

// Threshold sets the rotation and non-use limits for NHIs of a kind and
// environment; an empty Kind or Environment matches any. Zero durations
// switch the rule off for the matching NHIs.
type Threshold struct {
	Kind        store.NHIKind
	Environment string
	RotateEvery time.Duration
	UnusedAfter time.Duration
}

// Policy is the ordered list of thresholds: the first that matches an NHI
// applies, so specific entries go before general ones.
type Policy struct {
	Thresholds []Threshold
}

// For returns the threshold applying to kind and environment, or the zero
// threshold (rules off) when none matches.
func (p Policy) For(kind store.NHIKind, env string) Threshold {
	for _, t := range p.Thresholds {
		if (t.Kind == "" || t.Kind == kind) && (t.Environment == "" || t.Environment == env) {
			return t
		}
	}
	return Threshold{}
}

// Inventory is everything the rules look at, read set-based: the NHIs to
// evaluate, and the persons and projects they refer to, by ID.
type Inventory struct {
	NHIs     []store.NHI
	Persons  map[string]store.PersonRef
	Projects map[string]store.Project
}

// Hit is one rule firing for one NHI.
type Hit struct {
	NHIID  string
	Rule   string
	Reason string
}

// Evaluate applies every rule to every active NHI of inv at now. Disabled
// and retired NHIs raise nothing: disabling is the remediation. Hits come
// out in NHI order, then rule order.
func Evaluate(inv Inventory, pol Policy, now time.Time) []Hit {
	var hits []Hit
	for i := range inv.NHIs {
		hits = append(hits, EvaluateOne(&inv.NHIs[i], inv, pol, now)...)
	}
	return hits
}

// EvaluateOne applies every rule to one NHI.
func EvaluateOne(n *store.NHI, inv Inventory, pol Policy, now time.Time) []Hit {
	if n.Status != store.NHIActive {
		return nil
	}
	var hits []Hit
	hit := func(rule, format string, args ...any) {
		hits = append(hits, Hit{NHIID: n.ID, Rule: rule, Reason: fmt.Sprintf(format, args...)})
	}

	owner, ownerKnown := inv.Persons[n.OwnerID]
	if n.OwnerID == "" {
		ownerKnown = false
	}
	backup := backupOwnership(n, inv)
	switch {
	case !ownerKnown && backup == "":
		switch {
		case n.OwnerID != "":
			hit(RuleNoOwner, "owner %s does not exist", n.OwnerID)
		case n.OwnerRef != "":
			hit(RuleNoOwner, "owner reference %q resolves to nobody", n.OwnerRef)
		default:
			hit(RuleNoOwner, "no owner recorded")
		}
	case ownerKnown && owner.Status != store.StatusActive && backup == "":
		hit(RuleOwnerInactive, "owner %s is %s and no active co-owner or owning team is recorded", personLabel(owner), owner.Status)
	}

	if n.ProjectID != "" {
		if p, ok := inv.Projects[n.ProjectID]; ok {
			switch {
			case p.Status == store.ProjectClosed:
				hit(RuleProjectEnded, "project %q is closed", p.Name)
			case p.EndDate != nil && !p.EndDate.After(now):
				hit(RuleProjectEnded, "project %q ended on %s", p.Name, day(*p.EndDate))
			}
		}
	}

	if n.ExpiresAt != nil && !n.ExpiresAt.After(now) {
		hit(RuleCredentialExpired, "expired on %s but still active", day(*n.ExpiresAt))
	}

	th := pol.For(n.Kind, n.Environment)
	if th.RotateEvery > 0 {
		since, what := n.CreatedAt, "created"
		if n.RotatedAt != nil {
			since, what = *n.RotatedAt, "last rotated"
		}
		if !since.IsZero() && now.Sub(since) > th.RotateEvery {
			hit(RuleRotationOverdue, "%s %s, %d days ago; policy for %s is %d days",
				what, day(since), days(now.Sub(since)), scopeLabel(n), days(th.RotateEvery))
		}
	}
	if th.UnusedAfter > 0 && n.LastUsedAt != nil && now.Sub(*n.LastUsedAt) > th.UnusedAfter {
		hit(RuleUnused, "last used %s, %d days ago; threshold for %s is %d days",
			day(*n.LastUsedAt), days(now.Sub(*n.LastUsedAt)), scopeLabel(n), days(th.UnusedAfter))
	}
	return hits
}

// backupOwnership names what keeps an NHI owned when its owner is missing
// or gone: an active co-owner or an owning team ("" when neither).
func backupOwnership(n *store.NHI, inv Inventory) string {
	for _, id := range n.CoOwnerIDs {
		if p, ok := inv.Persons[id]; ok && p.Status == store.StatusActive {
			return "co-owner " + personLabel(p)
		}
	}
	if n.OwningTeam != "" {
		return "team " + n.OwningTeam
	}
	return ""
}

func personLabel(p store.PersonRef) string {
	if p.UserName != "" {
		return p.UserName
	}
	if p.Email != "" {
		return p.Email
	}
	return p.ID
}

func scopeLabel(n *store.NHI) string {
	if n.Environment == "" {
		return string(n.Kind)
	}
	return n.Environment + " " + string(n.Kind)
}

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

func days(d time.Duration) int { return int(d / (24 * time.Hour)) }
