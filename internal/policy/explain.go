package policy

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// activationOf builds the CEL variables for one evaluation.
func activationOf(in Input, s ItemSpec) map[string]any {
	grants := in.Grants
	if grants == nil {
		grants = []string{}
	}
	return map[string]any{
		"requester":   personVars(in.Requester),
		"beneficiary": personVars(in.Beneficiary),
		"item": map[string]any{
			"id": s.ID, "name": s.Name, "kind": s.Kind, "risk": s.Risk, "ownerId": s.OwnerID,
		},
		"grants": grants,
		"request": map[string]any{
			"start":         in.Request.Start,
			"end":           in.Request.End,
			"durationHours": in.Request.End.Sub(in.Request.Start).Hours(),
			"justification": in.Request.Justification,
			"environment":   in.Request.Environment,
			"forSelf":       in.Requester.ID == in.Beneficiary.ID,
			"nhi":           nhiVars(in.Request.NHI),
		},
	}
}

// nhiVars is request.nhi: empty strings when the request is for a person,
// so conditions can test request.nhi.kind without a presence check.
func nhiVars(n *NHI) map[string]any {
	if n == nil {
		n = &NHI{}
	}
	return map[string]any{"id": n.ID, "name": n.Name, "kind": n.Kind, "environment": n.Environment, "projectId": n.ProjectID, "status": n.Status}
}

func personVars(p Person) map[string]any {
	jfs := p.JobFunctions
	if jfs == nil {
		jfs = []string{}
	}
	return map[string]any{
		"id": p.ID, "displayName": p.DisplayName, "email": p.Email, "department": p.Department,
		"title": p.Title, "status": p.Status, "managerId": p.ManagerID, "jobFunctions": jfs,
	}
}

func ineligibleWhy(e Eligibility, b Person) string {
	var parts []string
	if len(e.JobFunctions) > 0 {
		parts = append(parts, fmt.Sprintf("holds none of the job functions %s", list(e.JobFunctions)))
	}
	if len(e.Departments) > 0 {
		parts = append(parts, fmt.Sprintf("department %q is not one of %s", b.Department, list(e.Departments)))
	}
	if e.When != "" {
		parts = append(parts, "the eligibility condition is false")
	}
	return strings.Join(parts, ", ")
}

func describeStage(st Stage, name func(string) string) string {
	who := st.Approvers
	if name != nil {
		who = make([]string, len(st.Approvers))
		for i, id := range st.Approvers {
			if who[i] = name(id); who[i] == "" {
				who[i] = id
			}
		}
	}
	s := fmt.Sprintf("stage %s: %d of %s", st.Name, st.Quorum, list(who))
	if st.Escalated {
		s += " (fallback approvers: nobody else was eligible)"
	}
	return s
}

func firstShared(have, want []string) string {
	for _, w := range want {
		if slices.Contains(have, w) {
			return w
		}
	}
	return ""
}

func name(p Person) string {
	if p.DisplayName != "" {
		return p.DisplayName
	}
	if p.Email != "" {
		return p.Email
	}
	return "person " + p.ID
}

func orUnknown(s string) string {
	if s == "" {
		return "of unknown status"
	}
	return s
}

func list(xs []string) string {
	if len(xs) == 0 {
		return "[]"
	}
	return "[" + strings.Join(xs, ", ") + "]"
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// span renders a duration in days when it is whole days, else in hours.
func span(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		n := int(d / (24 * time.Hour))
		if n == 1 {
			return "1 day"
		}
		return fmt.Sprintf("%d days", n)
	}
	return fmt.Sprintf("%.1f hours", d.Hours())
}
