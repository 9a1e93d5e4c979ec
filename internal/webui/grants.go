package webui

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/authz"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
)

// grantsCap bounds how many grants one view of the register loads; past
// it the page says so and asks for a narrower filter (a variable only so
// tests can lower it).
var grantsCap = 50000

// grantStates are the states the register's filter offers.
var grantStates = []store.GrantState{store.GrantActive, store.GrantPending, store.GrantFailed, store.GrantEnding, store.GrantEnded, store.GrantRevoked}

// grantFilter is the register's filter as typed.
type grantFilter struct {
	State, Item, Holder string
	// Expiring: active grants ending within this many days (or overdue).
	Expiring int
	// Ended: grants ended or revoked within this many days.
	Ended int
	// Leavers: grants whose holder is no longer active.
	Leavers bool
	// SoD: active grants that conflict with another active grant of the
	// same holder (separation of duties).
	SoD bool
}

// registerRow is one grant of the register, named for people.
type registerRow struct {
	Grant       store.Grant
	Holder      string // the person's name, or the NHI's with its owner
	HolderLink  string
	HolderState store.Status
	ItemName    string
	Risk        string
	How         string
	RequestedBy string
	ApprovedBy  string
	Conflicts   string // items it conflicts with, for the SoD view
}

type grantsPage struct {
	Page
	Available bool
	Filter    grantFilter
	Errors    map[string]string
	States    []store.GrantState
	Items     []itemOption
	Rows      []registerRow
	List      listView
	Truncated bool
	Cap       int // grantsCap, for the truncation notice
}

// itemOption is a catalog item in a filter's select.
type itemOption struct{ ID, Name string }

var registerKeys = []sortKey[registerRow]{
	{Key: "holder", Label: "Holder", Cmp: func(a, b registerRow) int { return strings.Compare(a.Holder, b.Holder) }},
	{Key: "item", Label: "Item", Cmp: func(a, b registerRow) int { return strings.Compare(a.ItemName, b.ItemName) }},
	{Key: "risk", Label: "Risk", Cmp: func(a, b registerRow) int { return riskRank[a.Risk] - riskRank[b.Risk] }},
	{Key: "state", Label: "State", Cmp: func(a, b registerRow) int { return strings.Compare(string(a.Grant.State), string(b.Grant.State)) }},
	{Key: "how", Label: "How obtained", Cmp: func(a, b registerRow) int { return strings.Compare(a.Grant.Assurance, b.Grant.Assurance) }},
	{Key: "start", Label: "From", Cmp: func(a, b registerRow) int { return a.Grant.Start.Compare(b.Grant.Start) }},
	{Key: "end", Label: "Until", Cmp: func(a, b registerRow) int { return a.Grant.End.Compare(b.Grant.End) }},
}

// grants is the register of every grant for admins and auditors:
// holder, item and risk, state, how it was obtained and by whom, its
// window; filtered by state, item and holder (and the reports' views:
// expiring, recently ended, leavers, separation-of-duties conflicts),
// sorted by any column, paged, and exported as CSV. Each grant shown
// passes the object policy too.
func (s *Server) grants(w http.ResponseWriter, r *http.Request) {
	if !s.oversee(w, r, "grants") {
		return
	}
	ctx := r.Context()
	in := r.URL.Query()
	f := grantFilter{State: in.Get("state"), Item: in.Get("item"), Holder: strings.TrimSpace(in.Get("holder")),
		Leavers: in.Get("leavers") == "1", SoD: in.Get("sod") == "1"}
	data := grantsPage{Page: s.page(r, "Grants", "grants"), Available: s.Access != nil, Filter: f, Errors: map[string]string{}, States: grantStates}
	items := s.catalogItems()
	for _, it := range items {
		data.Items = append(data.Items, itemOption{ID: it.ID, Name: it.Name})
	}
	slices.SortFunc(data.Items, func(a, b itemOption) int { return strings.Compare(a.Name, b.Name) })

	if f.State != "" && !slices.Contains(grantStates, store.GrantState(f.State)) {
		data.Errors["state"] = "Choose one of the listed states."
	}
	for _, d := range []struct {
		param string
		dst   *int
	}{{"expiring", &data.Filter.Expiring}, {"ended", &data.Filter.Ended}} {
		if raw := in.Get(d.param); raw != "" {
			n, err := strconv.Atoi(raw)
			if err != nil || n < 1 || n > 3660 {
				data.Errors[d.param] = "Give a number of days from 1 to 3660."
				continue
			}
			*d.dst = n
		}
	}
	f = data.Filter
	holderID := ""
	if f.Holder != "" {
		id, err := s.personByLogin(ctx, f.Holder)
		if err != nil {
			s.internal(w, r, "grants: holder", err)
			return
		}
		if id == "" {
			data.Errors["holder"] = "Nobody has this user name or e-mail address."
		}
		holderID = id
	}
	if len(data.Errors) > 0 {
		s.render(w, r, http.StatusUnprocessableEntity, "grants", data)
		return
	}
	rows, truncated, err := s.register(ctx, f, holderID)
	if err != nil {
		s.internal(w, r, "grants: list", err)
		return
	}
	data.Truncated, data.Cap = truncated, grantsCap
	def, desc := "holder", false
	if f.Expiring > 0 {
		def = "end"
	}
	all := rows
	data.Rows, data.List = sortPage(r, listParams{Path: "/grants"}, registerKeys, def, desc, func(x registerRow) string { return x.Grant.ID }, all)
	if wantsCSV(r, "") {
		s.grantsCSV(ctx, w, all)
		return
	}
	s.describeGrants(ctx, data.Rows)
	s.render(w, r, http.StatusOK, "grants", data)
}

// register lists the grants f selects (holderID: f.Holder resolved)
// that the viewer may see, and whether the cap cut the list short.
func (s *Server) register(ctx context.Context, f grantFilter, holderID string) ([]registerRow, bool, error) {
	q := store.GrantQuery{ItemID: f.Item, HolderID: holderID, Limit: grantsCap + 1}
	if f.State != "" {
		q.States = []store.GrantState{store.GrantState(f.State)}
	}
	now := s.Now()
	if f.Expiring > 0 {
		before := now.AddDate(0, 0, f.Expiring)
		q.EndBefore = &before
	}
	gs, err := s.Store.ListGrants(ctx, q)
	if err != nil {
		return nil, false, err
	}
	truncated := len(gs) > grantsCap
	if truncated {
		gs = gs[:grantsCap]
	}
	rows, err := s.registerRows(ctx, gs, f, now)
	return rows, truncated, err
}

// registerRows names the grants the filter keeps and the viewer may see.
func (s *Server) registerRows(ctx context.Context, gs []store.Grant, f grantFilter, now time.Time) ([]registerRow, error) {
	p := auth.PrincipalFrom(ctx)
	pol, sub := s.policy(), subject(p)
	items := s.catalogItems()
	people := map[string]*store.Person{}
	person := func(id string) (*store.Person, error) {
		if x, ok := people[id]; ok {
			return x, nil
		}
		var out *store.Person
		if pr, err := s.Store.GetPerson(ctx, id); err == nil {
			out = &pr
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		people[id] = out
		return out, nil
	}
	nhiNames := map[string]string{}
	// Active grants by holder, for separation-of-duties conflicts.
	held := map[string]map[string]bool{}
	var sod *policy.Catalog // the compiled catalog: conflicts declared on either item
	if f.SoD {
		if s.Access != nil {
			sod = s.Access.Policy()
		}
		for _, g := range gs {
			if g.State == store.GrantActive && g.HolderID != "" && g.HolderNHIID == "" {
				if held[g.HolderID] == nil {
					held[g.HolderID] = map[string]bool{}
				}
				held[g.HolderID][g.ItemID] = true
			}
		}
	}
	var rows []registerRow
	for _, g := range gs {
		if f.Ended > 0 && (g.EndedAt == nil || g.EndedAt.Before(now.AddDate(0, 0, -f.Ended)) ||
			(g.State != store.GrantEnded && g.State != store.GrantRevoked)) {
			continue
		}
		it := items[g.ItemID]
		row := registerRow{Grant: g, ItemName: cmp.Or(it.Name, g.ItemID), Risk: it.Risk, How: assuranceWords(g.Assurance)}
		if f.SoD {
			var with []string
			for other := range held[g.HolderID] {
				o := items[other]
				if other != g.ItemID && g.State == store.GrantActive && g.HolderNHIID == "" && sod != nil && sod.Conflicts(g.ItemID, other) {
					with = append(with, cmp.Or(o.Name, other))
				}
			}
			if len(with) == 0 {
				continue
			}
			slices.Sort(with)
			row.Conflicts = strings.Join(with, ", ")
		}
		holder, err := person(g.HolderID)
		if err != nil {
			return nil, err
		}
		if holder != nil {
			row.Holder, row.HolderLink, row.HolderState = (*holder).Name(), "/people/"+holder.ID, holder.Status
		} else {
			row.Holder = "someone no longer known"
		}
		if f.Leavers && (holder == nil || holder.Status == store.StatusActive || g.HolderNHIID != "") {
			continue
		}
		if g.HolderNHIID != "" {
			name, ok := nhiNames[g.HolderNHIID]
			if !ok {
				name = "a non-human identity no longer known"
				if n, err := s.Store.GetNHI(ctx, g.HolderNHIID); err == nil {
					name = n.Name
				}
				nhiNames[g.HolderNHIID] = name
			}
			row.Holder, row.HolderLink = name+" (owned by "+row.Holder+")", "/nhis/"+g.HolderNHIID
		}
		ok, err := pol.Allowed(ctx, sub, authz.Read, authz.Grant{Grant: g, ItemOwnerID: it.OwnerID})
		if err != nil {
			return nil, err
		}
		if ok {
			rows = append(rows, row)
		}
	}
	return rows, nil
}

// describeGrants fills in who requested and who approved each grant,
// for the rows shown (one request lookup each).
func (s *Server) describeGrants(ctx context.Context, rows []registerRow) {
	names := s.names(ctx)
	for i := range rows {
		g := &rows[i].Grant
		if g.RequestID != "" {
			if req, err := s.Store.GetRequest(ctx, g.RequestID); err == nil {
				rows[i].RequestedBy = names(req.RequesterID)
			} else {
				rows[i].RequestedBy = "a request no longer known"
			}
		}
		switch {
		case len(g.ApproverIDs) > 0:
			rows[i].ApprovedBy = nameList(names, g.ApproverIDs)
		case g.Assurance == store.AssuranceAutoApproved:
			rows[i].ApprovedBy = "policy (automatic)"
		}
	}
}

// assuranceWords says how a grant came about.
func assuranceWords(a string) string {
	switch a {
	case store.AssuranceAutoApproved:
		return "Requested, approved automatically by policy"
	case store.AssuranceApproved:
		return "Requested and approved"
	case store.AssuranceBirthright:
		return "Birthright (from the holder's job function)"
	case store.AssuranceImported:
		return "Imported from a directory"
	}
	return orDash(a)
}

// grantsCSV exports every grant the filter keeps, in the page's order.
func (s *Server) grantsCSV(ctx context.Context, w http.ResponseWriter, rows []registerRow) {
	s.describeGrants(ctx, rows)
	var out [][]string
	for _, x := range rows {
		g := x.Grant
		out = append(out, []string{x.Holder, string(x.HolderState), x.ItemName, x.Risk, string(g.State), x.How, x.RequestedBy, x.ApprovedBy,
			formatTime(g.Start, "2006-01-02"), formatTime(g.End, "2006-01-02"), formatTime(g.EndedAt, "2006-01-02"), g.EndReason, x.Conflicts})
	}
	writeCSV(w, "grants.csv", []string{"holder", "holder status", "item", "risk", "state", "how obtained", "requested by", "approved by",
		"from", "until", "ended", "end reason", "conflicts with"}, out)
}
