package webui

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/store"
)

type requestRow struct {
	Request     store.AccessRequest
	ItemName    string
	For         string // the beneficiary, when not the viewer
	Explanation string
}

type requestsPage struct {
	Page
	Available bool
	Requests  []requestRow
	Grants    []homeGrant
	Notices   []store.Notification
	List      listView // the requests
	GrantList listView // the grants (parameters prefixed g)
	// Extend is an extension form that came back with an error.
	Extend extendForm
}

// extendForm is a grant's extension form as typed.
type extendForm struct {
	GrantID, End, Justification, Error string
}

var requestKeys = []sortKey[requestRow]{
	{Key: "requested", Label: "Requested", Cmp: func(a, b requestRow) int { return a.Request.CreatedAt.Compare(b.Request.CreatedAt) }},
	{Key: "item", Label: "Item", Cmp: func(a, b requestRow) int { return strings.Compare(a.ItemName, b.ItemName) }},
	{Key: "state", Label: "State", Cmp: func(a, b requestRow) int { return strings.Compare(string(a.Request.State), string(b.Request.State)) }},
}

var grantKeys = []sortKey[homeGrant]{
	{Key: "item", Label: "Item", Cmp: func(a, b homeGrant) int { return strings.Compare(a.ItemName, b.ItemName) }},
	{Key: "state", Label: "State", Cmp: func(a, b homeGrant) int { return strings.Compare(string(a.Grant.State), string(b.Grant.State)) }},
	{Key: "start", Label: "From", Cmp: func(a, b homeGrant) int { return a.Grant.Start.Compare(b.Grant.Start) }},
	{Key: "end", Label: "Until", Cmp: func(a, b homeGrant) int { return a.Grant.End.Compare(b.Grant.End) }},
}

// requests lists the requests the viewer made or benefits from, each with
// its decision in words, and the viewer's grants.
func (s *Server) requests(w http.ResponseWriter, r *http.Request) {
	s.renderRequests(w, r, http.StatusOK, extendForm{})
}

// renderRequests shows My requests; ext is an extension form that came
// back with an error (zero: none).
func (s *Server) renderRequests(w http.ResponseWriter, r *http.Request, status int, ext extendForm) {
	ctx := r.Context()
	p := auth.PrincipalFrom(ctx)
	data := requestsPage{Page: s.page(r, "My requests", "requests"), Available: s.Access != nil, Extend: ext}
	seen := map[string]bool{}
	items := s.catalogItems()
	itemName := func(id string) string {
		if it, ok := items[id]; ok {
			return it.Name
		}
		return id
	}
	names := s.names(ctx)
	for _, q := range []store.RequestQuery{{RequesterID: p.PersonID, Limit: 200}, {BeneficiaryID: p.PersonID, Limit: 200}} {
		rs, err := s.Store.ListRequests(ctx, q)
		if err != nil {
			s.internal(w, r, "requests: list", err)
			return
		}
		for _, x := range rs {
			if seen[x.ID] {
				continue
			}
			seen[x.ID] = true
			row := requestRow{Request: x, ItemName: itemName(x.ItemID)}
			if x.BeneficiaryID != p.PersonID {
				row.For = names(x.BeneficiaryID)
			}
			if d, err := s.Store.GetPolicyDecision(ctx, x.DecisionID); err == nil {
				row.Explanation = d.Explanation
			}
			data.Requests = append(data.Requests, row)
		}
	}
	gs, err := s.Store.ListGrants(ctx, store.GrantQuery{HolderID: p.PersonID, Limit: 200})
	if err != nil {
		s.internal(w, r, "requests: grants", err)
		return
	}
	for _, g := range gs {
		data.Grants = append(data.Grants, homeGrant{Grant: g, ItemName: itemName(g.ItemID)})
	}
	all, grants := data.Requests, data.Grants // sorted in place: the CSVs export all
	data.Requests, data.List = sortPage(r, listParams{Path: "/requests"}, requestKeys, "requested", true, func(x requestRow) string { return x.Request.ID }, all)
	data.Grants, data.GrantList = sortPage(r, listParams{Path: "/requests", Prefix: "g"}, grantKeys, "end", false, func(x homeGrant) string { return x.Grant.ID }, grants)
	switch {
	case wantsCSV(r, ""):
		var rows [][]string
		for _, x := range all {
			q := x.Request
			rows = append(rows, []string{formatTime(q.CreatedAt, "2006-01-02 15:04"), x.ItemName, x.For, string(q.State), q.Justification,
				q.Environment, formatTime(q.Start, "2006-01-02"), formatTime(q.End, "2006-01-02"), x.Explanation})
		}
		writeCSV(w, "my-requests.csv", []string{"requested", "item", "for", "state", "justification", "environment", "start", "end", "policy"}, rows)
		return
	case wantsCSV(r, "g"):
		var rows [][]string
		for _, x := range grants {
			g := x.Grant
			rows = append(rows, []string{x.ItemName, string(g.State), g.Assurance, formatTime(g.Start, "2006-01-02"), formatTime(g.End, "2006-01-02"), g.FulfillmentStatus})
		}
		writeCSV(w, "my-access.csv", []string{"item", "state", "how", "from", "until", "fulfillment"}, rows)
		return
	}
	if data.Notices, err = s.Store.ListNotifications(ctx, p.PersonID, true); err != nil {
		s.internal(w, r, "requests: notices", err)
		return
	}
	s.render(w, r, status, "requests", data)
}

type requestPage struct {
	Page
	Explanation access.Explanation
	View        requestView
	Secret      string
	CanDecide   bool
}

// request shows one request with its decision record and approvals; only
// those involved (and admins and auditors) may see it.
func (s *Server) request(w http.ResponseWriter, r *http.Request) {
	s.renderRequest(w, r, r.PathValue("id"), "")
}

func (s *Server) renderRequest(w http.ResponseWriter, r *http.Request, id, secret string) {
	p := auth.PrincipalFrom(r.Context())
	if s.Access == nil {
		s.notFound(w, r, "Request")
		return
	}
	ex, err := s.Access.Explain(r.Context(), p.PersonID, id, p.SeesAll())
	if errors.Is(err, access.ErrNotFound) {
		s.notFound(w, r, "Request")
		return
	}
	if err != nil {
		s.internal(w, r, "request: explain", err)
		return
	}
	req := ex.Request
	if secret == "" && s.Access.CredentialWaiting(r.Context(), p.PersonID, req) {
		// An issued credential is shown to its requester once, on this
		// page, after the grant is active; it is gone from the store after.
		if secret, err = s.Access.TakeCredential(r.Context(), p.PersonID, req.ID); err != nil {
			s.Logger.Warn("request: credential", "request_id", req.ID, "err", err)
			secret = ""
		}
	}
	can := req.State == store.RequestPending && req.Stage < len(req.Stages) &&
		slices.Contains(req.Stages[req.Stage].Approvers, p.PersonID) && p.PersonID != req.RequesterID && p.PersonID != req.BeneficiaryID
	s.render(w, r, http.StatusOK, "request", requestPage{Page: s.page(r, "Request", "requests"), Explanation: ex, View: s.viewRequest(r.Context(), ex), Secret: secret, CanDecide: can})
}
