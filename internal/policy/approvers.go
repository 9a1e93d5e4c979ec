package policy

import "fmt"

// resolveStages resolves each configured stage to person IDs, excluding the
// requester and the beneficiary however they are reached (directly, through
// a group, or as a fallback). A stage left with nobody falls back; with
// nobody there either, the request cannot be approved and why says so. An
// item without stages is approved by its owner.
func resolveStages(s ItemSpec, in Input, dir Directory) (stages []Stage, why string) {
	specs := StagesOf(s)
	excluded := map[string]bool{in.Requester.ID: true, in.Beneficiary.ID: true}
	for i, spec := range specs {
		stageName := spec.Name
		if stageName == "" {
			stageName = fmt.Sprintf("%d", i+1)
		}
		quorum := max(spec.Quorum, 1)
		st := Stage{
			Name: stageName, Quorum: quorum, Timeout: spec.Timeout, OnTimeout: spec.OnTimeout,
			Approvers: resolve(spec.Approvers, s, in, dir, excluded),
			Fallback:  resolve(spec.Fallback, s, in, dir, excluded),
		}
		if len(st.Approvers) < quorum {
			if len(st.Fallback) < quorum {
				return nil, fmt.Sprintf("stage %s needs %d approver(s) other than the requester and the beneficiary, and neither its approvers nor its fallback have them", stageName, quorum)
			}
			st.Approvers, st.Fallback, st.Escalated = st.Fallback, nil, true
		}
		stages = append(stages, st)
	}
	return stages, ""
}

// StagesOf returns an item's approval stages: those configured, or a
// single stage approved by the item owner when none are.
func StagesOf(s ItemSpec) []StageSpec {
	if len(s.Stages) > 0 {
		return s.Stages
	}
	return []StageSpec{{Name: "owner", Approvers: []ApproverSpec{{ItemOwner: true}}, OnTimeout: "deny"}}
}

func resolve(specs []ApproverSpec, s ItemSpec, in Input, dir Directory, excluded map[string]bool) []string {
	var out []string
	seen := map[string]bool{}
	add := func(id string) {
		if id != "" && !excluded[id] && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, a := range specs {
		if a.Manager {
			add(in.Beneficiary.ManagerID)
		}
		if a.ItemOwner {
			add(s.OwnerID)
		}
		if a.Group != "" && dir != nil {
			for _, id := range dir.GroupMembers(a.Group) {
				add(id)
			}
		}
		for _, id := range a.Persons {
			add(id)
		}
	}
	return out
}
