package webui

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/authz"
	"github.com/syncd-dev/syncd/internal/store"
)

// findingStates are the states the findings filter offers; "" is every
// unresolved finding (open and acknowledged).
var findingStates = []store.FindingState{store.FindingOpen, store.FindingAcknowledged, store.FindingResolved}

// findingRow is one orphan finding, named for people.
type findingRow struct {
	Finding   store.Finding
	NHIName   string
	Owner     string // the NHI's owner's name, "" when it has none
	OwnerLink string
	Project   string
	AgeDays   int
}

type findingsPage struct {
	Page
	Available bool
	Rule      string
	State     string
	Rules     []string
	States    []store.FindingState
	Errors    map[string]string
	Rows      []findingRow
	List      listView
}

var findingKeys = []sortKey[findingRow]{
	{Key: "rule", Label: "Rule", Cmp: func(a, b findingRow) int { return strings.Compare(a.Finding.Rule, b.Finding.Rule) }},
	{Key: "nhi", Label: "Identity", Cmp: func(a, b findingRow) int { return strings.Compare(a.NHIName, b.NHIName) }},
	{Key: "owner", Label: "Owner", Cmp: func(a, b findingRow) int { return strings.Compare(a.Owner, b.Owner) }},
	{Key: "age", Label: "Age", Cmp: func(a, b findingRow) int { return b.Finding.OpenedAt.Compare(a.Finding.OpenedAt) }},
	{Key: "state", Label: "State", Cmp: func(a, b findingRow) int { return strings.Compare(string(a.Finding.State), string(b.Finding.State)) }},
}

// findingsList is the register of orphan findings for admins and
// auditors: rule, the NHI by name, its owner by name, age and state,
// filtered by rule and state, sorted, paged and exported as CSV. Each
// finding shown passes the object policy too.
func (s *Server) findingsList(w http.ResponseWriter, r *http.Request) {
	if !s.oversee(w, r, "findings") {
		return
	}
	ctx := r.Context()
	in := r.URL.Query()
	data := findingsPage{Page: s.page(r, "Orphan findings", "findings"), Available: s.Findings != nil,
		Rule: in.Get("rule"), State: in.Get("state"), Rules: OrphanRules, States: findingStates, Errors: map[string]string{}}
	q := store.FindingQuery{Rule: data.Rule, Limit: store.All}
	if data.Rule != "" && !slices.Contains(OrphanRules, data.Rule) {
		data.Errors["rule"] = "Choose one of the listed rules."
	}
	if data.State != "" {
		if !slices.Contains(findingStates, store.FindingState(data.State)) {
			data.Errors["state"] = "Choose one of the listed states."
		}
		q.States = []store.FindingState{store.FindingState(data.State)}
	}
	if len(data.Errors) > 0 {
		s.render(w, r, http.StatusUnprocessableEntity, "findings", data)
		return
	}
	var all []findingRow
	if s.Findings != nil {
		fs, err := s.Findings.ListFindings(ctx, q)
		if err != nil {
			s.internal(w, r, "findings: list", err)
			return
		}
		if all, err = s.findingRows(ctx, fs); err != nil {
			s.internal(w, r, "findings: rows", err)
			return
		}
	}
	data.Rows, data.List = sortPage(r, listParams{Path: "/findings"}, findingKeys, "age", true, func(x findingRow) string { return strconv.FormatInt(x.Finding.ID, 10) }, all)
	if wantsCSV(r, "") {
		var out [][]string
		for _, x := range all {
			f := x.Finding
			out = append(out, []string{f.Rule, x.NHIName, x.Owner, x.Project, string(f.State), f.Reason,
				formatTime(f.OpenedAt, "2006-01-02"), strconv.Itoa(x.AgeDays), f.AckJustification, formatTime(f.AckExpiresAt, "2006-01-02")})
		}
		writeCSV(w, "findings.csv", []string{"rule", "identity", "owner", "project", "state", "reason", "opened", "age (days)", "exception", "exception until"}, out)
		return
	}
	s.render(w, r, http.StatusOK, "findings", data)
}

// findingRows names the findings the viewer may see.
func (s *Server) findingRows(ctx context.Context, fs []store.Finding) ([]findingRow, error) {
	pol, sub := s.policy(), subject(auth.PrincipalFrom(ctx))
	projects, err := s.Store.ListProjects(ctx)
	if err != nil {
		return nil, err
	}
	byProject := map[string]store.Project{}
	for _, p := range projects {
		byProject[p.ID] = p
	}
	nhis := map[string]*store.NHI{}
	people := map[string]*store.Person{}
	now := s.Now()
	var rows []findingRow
	for _, f := range fs {
		n, ok := nhis[f.NHIID]
		if !ok {
			got, err := s.Store.GetNHI(ctx, f.NHIID)
			switch {
			case err == nil:
				n = &got
			case !errors.Is(err, store.ErrNotFound):
				return nil, err
			}
			nhis[f.NHIID] = n
		}
		if n == nil {
			continue // the NHI is gone; its finding names nothing to act on
		}
		pr := byProject[n.ProjectID]
		if ok, err := pol.Allowed(ctx, sub, authz.Read, authz.Finding{Finding: f, NHI: *n, Project: pr}); err != nil {
			return nil, err
		} else if !ok {
			continue
		}
		row := findingRow{Finding: f, NHIName: n.Name, Project: pr.Name, AgeDays: int(now.Sub(f.OpenedAt) / (24 * time.Hour))}
		if id := n.OwnerID; id != "" {
			p, ok := people[id]
			if !ok {
				got, err := s.Store.GetPerson(ctx, id)
				switch {
				case err == nil:
					p = &got
				case !errors.Is(err, store.ErrNotFound):
					return nil, err
				}
				people[id] = p
			}
			if p != nil {
				row.Owner, row.OwnerLink = (*p).Name(), "/people/"+p.ID
			} else {
				row.Owner = "someone no longer known"
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}
