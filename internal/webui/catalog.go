package webui

import (
	"net/http"
	"slices"
	"strings"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
)

type catalogPage struct {
	Page
	Available bool
	// Version is the catalog's version hash, shown to those who read its
	// rules (RulesReader) only.
	Version string
	// Groups are the entries matching Query, grouped by Group.
	Groups []catalogGroup
	Query  string
	Group  string // "", "owner" or "risk"
	// Total and Shown count the live items and those matching Query.
	Total, Shown int
	// RulesReader: admins and catalog owners, who may see the CEL
	// conditions behind an explanation.
	RulesReader bool
	Reports     []personOption // people the viewer may request for
	NHIs        []personOption // non-human identities the viewer owns
	// Form is a request form that came back with errors.
	Form requestForm
	// OwnsItems: the viewer owns catalog items (a link to their page).
	OwnsItems bool
}

type personOption struct{ ID, Name string }

// catalogGroup is a heading (empty: no grouping) and its entries.
type catalogGroup struct {
	Title   string
	Entries []catalogEntry
}

// catalogEntry is an item as the viewer sees it: what a request for
// themselves would get, per environment, in words, and whether the form
// is offered (to themselves, or only for a report or an owned NHI).
type catalogEntry struct {
	access.Entry
	Owner string
	// Verdicts are the outcomes in words, one per environment (or one).
	Verdicts []catalogVerdict
	// ForSelf: a request for themselves is not denied; ForOthers: not
	// eligible themselves, but they may ask for a report or an NHI.
	ForSelf, ForOthers bool
	// Why says in words why the viewer may not request it (when not
	// ForSelf).
	Why string
}

type catalogVerdict struct {
	Environment string
	Outcome     string // deny | auto-approve | approval
	Words       string // "Approved at once", "Needs approval", "Not available to you"
	Explanation string // the reasons, after the outcome
}

// catalog lists every live item with what would happen if the viewer
// requested it for themselves, per environment, searchable by name,
// description, id and owner and grouped by owner or risk, with a
// request form for each item the viewer may ask for.
func (s *Server) catalog(w http.ResponseWriter, r *http.Request) {
	s.renderCatalog(w, r, http.StatusOK, requestForm{})
}

// renderCatalog shows the catalog; form is the request form that came
// back with errors (zero: none).
func (s *Server) renderCatalog(w http.ResponseWriter, r *http.Request, status int, form requestForm) {
	p := auth.PrincipalFrom(r.Context())
	data := catalogPage{Page: s.page(r, "Request access", "catalog"), Form: form}
	if s.Access == nil {
		s.render(w, r, status, "catalog", data)
		return
	}
	entries, err := s.Access.Browse(r.Context(), p.PersonID)
	if err != nil {
		s.internal(w, r, "catalog: browse", err)
		return
	}
	reports, err := s.directReports(r, p.PersonID)
	if err != nil {
		s.internal(w, r, "catalog: reports", err)
		return
	}
	nhis, err := s.Store.ListNHIs(r.Context(), store.NHIQuery{OwnerID: p.PersonID, Status: store.NHIActive, Limit: 200})
	if err != nil {
		s.internal(w, r, "catalog: nhis", err)
		return
	}
	for _, n := range nhis {
		data.NHIs = append(data.NHIs, personOption{ID: "nhi:" + n.ID, Name: n.Name + " (" + string(n.Kind) + ")"})
	}
	data.Available, data.Version, data.Reports = true, s.Access.Policy().Version, reports
	data.RulesReader = p.Has(auth.RoleAdmin) || p.Has(auth.RoleCatalogOwner)
	for _, it := range s.Access.Catalog().Items {
		data.OwnsItems = data.OwnsItems || it.OwnerID != "" && it.OwnerID == p.PersonID
	}
	data.Query = strings.TrimSpace(r.URL.Query().Get("q"))
	if form.ItemID != "" {
		data.Query = "" // the form that came back must be on the page
	}
	switch g := r.URL.Query().Get("group"); g {
	case "owner", "risk":
		data.Group = g
	}
	names := s.names(r.Context())
	others := len(data.Reports) > 0 || len(data.NHIs) > 0
	groups := map[string]*catalogGroup{}
	var order []string
	for _, e := range entries {
		data.Total++
		ce := catalogEntry{Entry: e, Owner: names(e.Item.OwnerID)}
		if e.Item.OwnerID == "" {
			ce.Owner = "nobody"
		}
		if !matches(data.Query, e.Item, ce.Owner) {
			continue
		}
		data.Shown++
		ce.Verdicts = verdicts(e)
		ce.ForSelf = e.Eligible()
		switch {
		case e.Blocked:
			ce.Why = sentence(e.Explanation)
		case !ce.ForSelf:
			ce.Why = sentence(strings.TrimPrefix(e.Explanation, "denied: "))
			ce.ForOthers = others
		}
		key := ""
		switch data.Group {
		case "owner":
			key = "Owned by " + ce.Owner
		case "risk":
			key = "Risk " + string(e.Item.Risk)
		}
		g, ok := groups[key]
		if !ok {
			g = &catalogGroup{Title: key}
			groups[key] = g
			order = append(order, key)
		}
		g.Entries = append(g.Entries, ce)
	}
	switch data.Group {
	case "risk":
		rank := map[string]int{"Risk low": 0, "Risk medium": 1, "Risk high": 2, "Risk critical": 3}
		slices.SortStableFunc(order, func(a, b string) int { return rank[a] - rank[b] })
	case "owner":
		slices.Sort(order)
	}
	for _, k := range order {
		data.Groups = append(data.Groups, *groups[k])
	}
	s.render(w, r, status, "catalog", data)
}

// matches: an empty query matches everything; otherwise each word must
// appear in the item's name, id, description, kind or owner.
func matches(q string, it catalog.Item, owner string) bool {
	hay := strings.ToLower(strings.Join([]string{it.Name, it.ID, it.Description, it.Kind, owner}, " "))
	for _, w := range strings.Fields(strings.ToLower(q)) {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

// verdicts words an entry's outcome per environment.
func verdicts(e access.Entry) []catalogVerdict {
	word := func(o policy.Outcome, explanation string) catalogVerdict {
		v := catalogVerdict{Outcome: string(o)}
		prefix := ""
		switch o {
		case policy.AutoApprove:
			v.Words, prefix = "Approved at once", "auto-approved"
		case policy.Approval:
			v.Words, prefix = "Needs approval", "needs approval"
		default:
			v.Words, prefix = "Not available to you", "denied"
		}
		v.Explanation = sentence(strings.TrimPrefix(strings.TrimPrefix(explanation, prefix), ": "))
		return v
	}
	if e.Blocked {
		return nil
	}
	if len(e.Environments) == 0 {
		return []catalogVerdict{word(e.Outcome, e.Explanation)}
	}
	out := make([]catalogVerdict, 0, len(e.Environments))
	for _, v := range e.Environments {
		cv := word(v.Outcome, v.Explanation)
		cv.Environment = v.Environment
		out = append(out, cv)
	}
	return out
}

// sentence capitalises s and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

func (s *Server) directReports(r *http.Request, personID string) ([]personOption, error) {
	var out []personOption
	after := ""
	for {
		ps, err := s.Store.ListPersons(r.Context(), storePersonQueryManager(personID, after))
		if err != nil {
			return nil, err
		}
		for _, x := range ps {
			name := x.DisplayName
			if name == "" {
				name = x.UserName
			}
			out = append(out, personOption{ID: x.ID, Name: name})
		}
		if len(ps) < 100 {
			return out, nil
		}
		after = ps[len(ps)-1].ID
	}
}
