package nhi

import (
	"context"
	"fmt"
	"sort"

	"github.com/syncd-dev/syncd/internal/store"
)

// Orphan is one NHI with its unresolved findings, as reports show it.
type Orphan struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Kind        string   `json:"kind"`
	Source      string   `json:"source"`
	Environment string   `json:"environment"`
	Owner       string   `json:"owner"`
	OwnerID     string   `json:"owner_id"`
	Project     string   `json:"project"`
	ProjectID   string   `json:"project_id"`
	Rules       []string `json:"rules"`
	Reasons     []string `json:"reasons"`
	States      []string `json:"states"`
	FindingIDs  []int64  `json:"finding_ids"`
}

// Orphans lists the NHIs with unresolved findings (of rule only, when
// given), ordered by name, reading findings, NHIs, persons and projects
// in a few queries.
func Orphans(ctx context.Context, tx store.Reader, rule string) ([]Orphan, error) {
	fs, err := tx.ListFindings(ctx, store.FindingQuery{Rule: rule, Limit: store.All})
	if err != nil {
		return nil, fmt.Errorf("nhi: orphans: %w", err)
	}
	if len(fs) == 0 {
		return []Orphan{}, nil
	}
	inv, err := loadAll(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("nhi: orphans: %w", err)
	}
	byNHI := map[string]*Orphan{}
	var order []*Orphan
	for _, f := range fs {
		o := byNHI[f.NHIID]
		if o == nil {
			n := inv.nhis[f.NHIID]
			o = &Orphan{ID: f.NHIID, Name: n.Name, Kind: string(n.Kind), Source: n.Source, Environment: n.Environment,
				OwnerID: n.OwnerID, Owner: n.OwnerRef, ProjectID: n.ProjectID}
			if p, ok := inv.persons[n.OwnerID]; ok {
				o.Owner = personLabel(p)
			}
			if p, ok := inv.projects[n.ProjectID]; ok {
				o.Project = p.Name
			}
			byNHI[f.NHIID] = o
			order = append(order, o)
		}
		o.Rules = append(o.Rules, f.Rule)
		o.Reasons = append(o.Reasons, f.Reason)
		o.States = append(o.States, string(f.State))
		o.FindingIDs = append(o.FindingIDs, f.ID)
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].Name < order[j].Name })
	out := make([]Orphan, len(order))
	for i, o := range order {
		out[i] = *o
	}
	return out, nil
}

type lookup struct {
	nhis     map[string]store.NHI
	persons  map[string]store.PersonRef
	projects map[string]store.Project
}

// loadAll reads every NHI (any status), person ref and project into maps.
func loadAll(ctx context.Context, tx store.Reader) (lookup, error) {
	l := lookup{nhis: map[string]store.NHI{}, persons: map[string]store.PersonRef{}, projects: map[string]store.Project{}}
	after := ""
	for {
		page, err := tx.ListNHIs(ctx, store.NHIQuery{AfterID: after, Limit: pageSize})
		if err != nil {
			return l, err
		}
		for _, n := range page {
			l.nhis[n.ID] = n
		}
		if len(page) < pageSize {
			break
		}
		after = page[len(page)-1].ID
	}
	refs, err := tx.ListPersonRefs(ctx)
	if err != nil {
		return l, err
	}
	for _, r := range refs {
		l.persons[r.ID] = r
	}
	ps, err := tx.ListProjects(ctx)
	if err != nil {
		return l, err
	}
	for _, p := range ps {
		l.projects[p.ID] = p
	}
	return l, nil
}
