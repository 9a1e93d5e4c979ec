package webui

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/store"
)

type nhiRow struct {
	NHI         store.NHI
	Owner       store.Person
	ProjectName string
	Findings    []string // rules of open findings
}

type nhisPage struct {
	Page
	Filter     store.NHIQuery
	OwnerParam string
	Rule       string
	Kinds      []store.NHIKind
	Projects   []store.Project
	Rules      []string
	Unknown    string
	// FindingsAvailable is false when no findings engine is wired.
	FindingsAvailable bool
	NHIs              []nhiRow
	Total             int
	List              listView
	Truncated         bool
	Cap               int    // nhisCap, for the truncation notice
	CSV               string // this filter as CSV
}

// nhis lists the NHIs the viewer may see, filtered by kind, environment,
// owner, project and orphan rule.
func (s *Server) nhis(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := auth.PrincipalFrom(ctx)
	in := r.URL.Query()
	q := store.NHIQuery{
		Kind:        store.NHIKind(in.Get("kind")),
		Environment: strings.TrimSpace(in.Get("environment")),
		ProjectID:   in.Get("project"),
		Text:        strings.TrimSpace(in.Get("q")),
	}
	data := nhisPage{
		Page: s.page(r, "Non-human identities", "nhis"), OwnerParam: strings.TrimSpace(in.Get("owner")),
		Rule:  in.Get("rule"),
		Kinds: []store.NHIKind{store.KindServiceAccount, store.KindAPIKey, store.KindCertificate, store.KindToken, store.KindWorkload},
		Rules: OrphanRules, FindingsAvailable: s.Findings != nil,
	}
	if q.Kind != "" && !q.Kind.Valid() {
		s.Fail(w, r, http.StatusBadRequest, "Unknown kind", "Kind must be one of the listed kinds.")
		return
	}
	if data.Rule != "" && data.Rule != "any" && !slices.Contains(OrphanRules, data.Rule) {
		s.Fail(w, r, http.StatusBadRequest, "Unknown rule", "Rule must be one of the listed orphan rules.")
		return
	}
	projects, err := s.Store.ListProjects(ctx)
	if err != nil {
		s.internal(w, r, "nhis: projects", err)
		return
	}
	data.Projects = projects
	byProject := map[string]store.Project{}
	for _, pr := range projects {
		byProject[pr.ID] = pr
	}
	switch owner := data.OwnerParam; {
	case owner == "":
	case owner == "me":
		q.OwnerID = p.PersonID
	default:
		id, err := s.personByLogin(ctx, owner)
		if err != nil {
			s.internal(w, r, "nhis: owner", err)
			return
		}
		if id == "" {
			// Only those who may list everyone learn whether a person
			// exists; anyone else just sees no results.
			if p.SeesAll() {
				data.Unknown = "No person has the email or user name " + owner + "."
			}
			data.Filter = q
			s.render(w, r, http.StatusOK, "nhis", data)
			return
		}
		q.OwnerID = id
	}
	data.Filter = q

	// Open findings by NHI, when a findings engine is wired.
	open := map[string][]string{}
	if s.Findings != nil {
		fs, err := s.Findings.ListFindings(ctx, store.FindingQuery{Limit: store.All})
		if err != nil {
			s.internal(w, r, "nhis: findings", err)
			return
		}
		for _, f := range fs {
			open[f.NHIID] = append(open[f.NHIID], f.Rule)
		}
	} else if data.Rule != "" {
		data.Unknown = "Orphan findings are not available in this build, so the rule filter matches nothing."
	}
	keep := func(n store.NHI) (bool, error) {
		switch data.Rule {
		case "":
		case "any":
			if len(open[n.ID]) == 0 {
				return false, nil
			}
		default:
			if !slices.Contains(open[n.ID], data.Rule) {
				return false, nil
			}
		}
		acc, err := s.accessNHI(ctx, p, n, byProject[n.ProjectID])
		return acc.see, err
	}
	// Walk every match and keep the visible ones; the page sorts and
	// pages them, the CSV exports them all in the same order.
	q.AfterID, q.Limit = "", 500
	var all []nhiRow
	for len(all) <= nhisCap {
		ns, err := s.Store.ListNHIs(ctx, q)
		if err != nil {
			s.internal(w, r, "nhis: list", err)
			return
		}
		for _, n := range ns {
			ok, err := keep(n)
			if err != nil {
				s.internal(w, r, "nhis: authorize", err)
				return
			}
			if ok {
				all = append(all, nhiRow{NHI: n, ProjectName: byProject[n.ProjectID].Name, Findings: open[n.ID]})
			}
		}
		if len(ns) < q.Limit {
			break
		}
		q.AfterID = ns[len(ns)-1].ID
	}
	if len(all) > nhisCap {
		all, data.Truncated = all[:nhisCap], true
	}
	data.Cap = nhisCap
	owners := map[string]store.Person{}
	for i := range all {
		id := all[i].NHI.OwnerID
		if id == "" {
			continue
		}
		o, ok := owners[id]
		if !ok {
			if o, err = s.Store.GetPerson(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
				s.internal(w, r, "nhis: owner", err)
				return
			}
			owners[id] = o
		}
		all[i].Owner = o
	}
	data.NHIs, data.List = sortPage(r, listParams{Path: "/nhis"}, nhiKeys, "name", false, func(x nhiRow) string { return x.NHI.ID }, all)
	if wantsCSV(r, "") {
		nhisCSV(w, all, s.names(ctx))
		return
	}
	data.Total = len(all)
	data.CSV = data.List.CSV
	s.render(w, r, http.StatusOK, "nhis", data)
}

// nhisCap bounds how many NHIs one view of the list loads; past it the
// page says so and asks for a narrower filter (a variable only so tests
// can lower it).
var nhisCap = 50000

// ownerName is an NHI's owner as the list sorts it: no owner first.
func (x nhiRow) ownerName() string {
	if x.Owner.ID == "" {
		return ""
	}
	return x.Owner.Name()
}

var nhiKeys = []sortKey[nhiRow]{
	{Key: "name", Label: "Name", Cmp: func(a, b nhiRow) int { return strings.Compare(a.NHI.Name, b.NHI.Name) }},
	{Key: "kind", Label: "Kind", Cmp: func(a, b nhiRow) int { return strings.Compare(string(a.NHI.Kind), string(b.NHI.Kind)) }},
	{Key: "environment", Label: "Environment", Cmp: func(a, b nhiRow) int { return strings.Compare(a.NHI.Environment, b.NHI.Environment) }},
	{Key: "owner", Label: "Owner", Cmp: func(a, b nhiRow) int { return strings.Compare(a.ownerName(), b.ownerName()) }},
	{Key: "project", Label: "Project", Cmp: func(a, b nhiRow) int { return strings.Compare(a.ProjectName, b.ProjectName) }},
	{Key: "findings", Label: "Open findings", Cmp: func(a, b nhiRow) int { return len(a.Findings) - len(b.Findings) }},
}

// personByLogin finds the one person with this email or user name; "" if
// none or several.
func (s *Server) personByLogin(ctx context.Context, login string) (string, error) {
	for _, key := range []store.MatchKey{store.MatchEmail, store.MatchUserName} {
		ps, err := s.Store.FindPersons(ctx, key, login)
		if err != nil {
			return "", err
		}
		if len(ps) == 1 {
			return ps[0].ID, nil
		}
	}
	return "", nil
}

// nhisCSV exports every NHI the filter matches and the viewer may see,
// in id order, with its open findings.
func nhisCSV(w http.ResponseWriter, rows []nhiRow, names func(string) string) {
	var out [][]string
	for _, x := range rows {
		n := x.NHI
		owner := ""
		if n.OwnerID != "" {
			owner = names(n.OwnerID)
		}
		out = append(out, []string{n.Name, string(n.Kind), n.Environment, owner, x.ProjectName, string(n.Status), n.Source,
			formatTime(n.ExpiresAt, "2006-01-02"), formatTime(n.RotatedAt, "2006-01-02"), formatTime(n.LastUsedAt, "2006-01-02"), strings.Join(x.Findings, " ")})
	}
	writeCSV(w, "nhis.csv", []string{"name", "kind", "environment", "owner", "project", "status", "source", "expires", "rotated", "last used", "open findings"}, out)
}
