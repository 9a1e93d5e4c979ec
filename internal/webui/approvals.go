package webui

import (
	"errors"
	"net/http"
	"strings"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/requestlog"
	"github.com/syncd-dev/syncd/internal/store"
)

// approvalStage is one approval stage of a request, in words.
type approvalStage struct {
	Name      string
	Approvers string // names
	Approved  string // names of those who approved
	Current   bool
	Done      bool
}

type approvalRow struct {
	Request     store.AccessRequest
	Requester   string
	Beneficiary string
	ItemName    string
	Risk        string
	Explanation string
	Stages      []approvalStage
	Selected    bool
}

type approvalsPage struct {
	Page
	Available bool
	Pending   []approvalRow
	// Results are the decisions made; Failures those refused, in words.
	Results  []string
	Failures []string
	Comment  string
	// ToConfirm are grants of items the viewer owns whose manual
	// fulfillment waits for them.
	ToConfirm []confirmRow
	List      listView
}

var riskRank = map[string]int{"low": 1, "medium": 2, "high": 3, "critical": 4}

// approvalKeys are the inbox's sort orders.
var approvalKeys = []sortKey[approvalRow]{
	{Key: "requested", Label: "Requested", Cmp: func(a, b approvalRow) int { return a.Request.CreatedAt.Compare(b.Request.CreatedAt) }},
	{Key: "item", Label: "Item", Cmp: func(a, b approvalRow) int { return strings.Compare(a.ItemName, b.ItemName) }},
	{Key: "risk", Label: "Risk", Cmp: func(a, b approvalRow) int { return riskRank[a.Risk] - riskRank[b.Risk] }},
	{Key: "for", Label: "For", Cmp: func(a, b approvalRow) int { return strings.Compare(a.Beneficiary, b.Beneficiary) }},
	{Key: "start", Label: "Start", Cmp: func(a, b approvalRow) int { return a.Request.Start.Compare(b.Request.Start) }},
}

type confirmRow struct {
	Grant    store.Grant
	Holder   string
	ItemName string
}

// approvals is the viewer's inbox: requests whose current stage lists
// them, with who asks for whom, the item and its risk, the justification,
// environment and window, the policy's reasons and every stage.
func (s *Server) approvals(w http.ResponseWriter, r *http.Request) {
	s.renderApprovals(w, r, http.StatusOK, approvalsPage{})
}

func (s *Server) renderApprovals(w http.ResponseWriter, r *http.Request, status int, data approvalsPage) {
	ctx := r.Context()
	p := auth.PrincipalFrom(ctx)
	data.Page, data.Available = s.page(r, "Approvals", "approvals"), s.Access != nil
	rs, err := s.Store.ListRequests(ctx, store.RequestQuery{Approver: p.PersonID, Limit: 500})
	if err != nil {
		s.internal(w, r, "approvals: list", err)
		return
	}
	names := s.names(ctx)
	items := s.catalogItems()
	keep := map[string]bool{}
	for _, id := range r.PostForm["request"] {
		keep[id] = len(data.Failures) > 0
	}
	for _, x := range rs {
		row := approvalRow{Request: x, Requester: names(x.RequesterID), Beneficiary: names(x.BeneficiaryID), ItemName: x.ItemID, Selected: keep[x.ID]}
		if it, ok := items[x.ItemID]; ok {
			row.ItemName, row.Risk = it.Name, it.Risk
		}
		if x.BeneficiaryNHIID != "" {
			if n, err := s.Store.GetNHI(ctx, x.BeneficiaryNHIID); err == nil {
				row.Beneficiary = n.Name + " (owned by " + row.Beneficiary + ")"
			}
		}
		if d, err := s.Store.GetPolicyDecision(ctx, x.DecisionID); err == nil {
			row.Explanation = d.Explanation
		}
		for i, st := range x.Stages {
			row.Stages = append(row.Stages, approvalStage{Name: st.Name, Approvers: nameList(names, st.Approvers),
				Approved: nameList(names, st.Approved), Current: i == x.Stage, Done: i < x.Stage})
		}
		data.Pending = append(data.Pending, row)
	}
	all := data.Pending // sorted in place: the CSV exports all of it
	data.Pending, data.List = sortPage(r, listParams{Path: "/approvals"}, approvalKeys, "requested", false, func(a approvalRow) string { return a.Request.ID }, all)
	if wantsCSV(r, "") {
		s.approvalsCSV(w, all)
		return
	}
	if s.Access != nil {
		for _, it := range s.Access.Catalog().Items {
			if it.OwnerID != p.PersonID {
				continue
			}
			gs, err := s.Store.ListGrants(ctx, store.GrantQuery{ItemID: it.ID, States: []store.GrantState{store.GrantPending}, Limit: 200})
			if err != nil {
				s.internal(w, r, "approvals: grants to confirm", err)
				return
			}
			for _, g := range gs {
				if g.FulfillmentStatus == "awaiting-confirmation" {
					data.ToConfirm = append(data.ToConfirm, confirmRow{Grant: g, Holder: names(g.HolderID), ItemName: it.Name})
				}
			}
		}
	}
	s.render(w, r, status, "approvals", data)
}

// decide applies one decision to every selected request. Each is decided
// on its own (and checked: never one's own request, only as a current
// approver); the outcome of each is shown in words, refusals in the
// error banner with the selection and comment kept.
func (s *Server) decide(w http.ResponseWriter, r *http.Request) {
	if s.Access == nil {
		s.notFound(w, r, "Approvals")
		return
	}
	p := auth.PrincipalFrom(r.Context())
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, http.StatusBadRequest, "Invalid form", "The form could not be read.")
		return
	}
	ids := r.PostForm["request"]
	decision := r.PostFormValue("decision")
	comment := strings.TrimSpace(r.PostFormValue("comment"))
	data := approvalsPage{Comment: comment}
	if len(ids) == 0 || (decision != "approve" && decision != "deny") {
		data.Failures = []string{"Select at least one request, then approve or deny."}
		s.renderApprovals(w, r, http.StatusUnprocessableEntity, data)
		return
	}
	names := s.names(r.Context())
	items := s.catalogItems()
	for _, id := range ids {
		out, err := s.decideVisible(r, p, id, decision == "approve", comment)
		hidden := errors.Is(err, access.ErrNotFound) || errors.Is(err, store.ErrNotFound)
		label := id
		// Only a request the viewer may see is named: an unknown and a
		// hidden one read the same.
		if !hidden {
			if req, gerr := s.Store.GetRequest(r.Context(), id); gerr == nil {
				label = req.ItemID
				if it, ok := items[req.ItemID]; ok {
					label = it.Name
				}
				label += " for " + names(req.BeneficiaryID)
			}
		}
		if err != nil {
			msg := s.decisionError(r, err)
			if errors.Is(err, access.ErrStateChanged) || errors.Is(err, access.ErrInvalid) || errors.Is(err, access.ErrForbidden) {
				msg = accessMessage(err)
			}
			data.Failures = append(data.Failures, label+": "+msg)
			continue
		}
		data.Results = append(data.Results, label+": "+string(out.Request.State))
	}
	status := http.StatusOK
	if len(data.Failures) > 0 {
		status = http.StatusUnprocessableEntity
	} else {
		data.Comment = ""
	}
	s.renderApprovals(w, r, status, data)
}

// accessMessage turns an access service refusal into a sentence: the
// service's own reason without its package prefix and sentinel.
func accessMessage(err error) string {
	if errors.Is(err, access.ErrStateChanged) {
		return "It was decided meanwhile and is no longer pending."
	}
	if !errors.Is(err, access.ErrInvalid) && !errors.Is(err, access.ErrForbidden) && !errors.Is(err, access.ErrNotFound) {
		return "syncd could not record this decision."
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i > 0 {
		msg = msg[:i]
	}
	if i := strings.LastIndex(msg, ": "); i > 0 {
		msg = msg[i+2:]
	}
	msg = strings.TrimPrefix(msg, "access: ")
	if msg == "" {
		return "Refused."
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}

// confirmGrant records that the viewer, the item's owner, carried out a
// manual fulfillment.
func (s *Server) confirmGrant(w http.ResponseWriter, r *http.Request) {
	if s.Access == nil {
		s.notFound(w, r, "Grant")
		return
	}
	p := auth.PrincipalFrom(r.Context())
	g, err := s.Access.ConfirmFulfillment(r.Context(), p.PersonID, r.PathValue("id"), p.Has(auth.RoleAdmin))
	if err != nil {
		s.renderApprovals(w, r, http.StatusUnprocessableEntity, approvalsPage{Failures: []string{accessMessage(err)}})
		return
	}
	s.renderApprovals(w, r, http.StatusOK, approvalsPage{Results: []string{"Fulfillment confirmed, grant " + string(g.State)}})
}

// pendingApprovals counts the requests waiting for the viewer, for the
// navigation and the home page, with one count query; 0 without a
// catalog or when the count fails (logged).
func (s *Server) pendingApprovals(r *http.Request) int {
	p := auth.PrincipalFrom(r.Context())
	if s.Access == nil || p == nil || p.PersonID == "" {
		return 0
	}
	n, err := s.Store.CountPendingApprovals(r.Context(), p.PersonID)
	if err != nil {
		s.Logger.Warn("approvals: count", "err", err)
		return 0
	}
	return n
}

// decideVisible decides a request the viewer may see; one they may not
// see is "not found", like an unknown id (the JSON API does the same).
func (s *Server) decideVisible(r *http.Request, p *auth.Principal, id string, approve bool, comment string) (access.Outcome, error) {
	if _, err := s.Access.Explain(r.Context(), p.PersonID, id, p.SeesAll()); err != nil {
		return access.Outcome{}, err
	}
	return s.Access.Decide(r.Context(), p.PersonID, id, approve, comment)
}

// decisionError words a failed decision for the page: no internal
// wording; anything unexpected is logged under the request id.
func (s *Server) decisionError(r *http.Request, err error) string {
	switch {
	case errors.Is(err, access.ErrNotFound), errors.Is(err, store.ErrNotFound):
		return "not found"
	case errors.Is(err, access.ErrForbidden), errors.Is(err, access.ErrInvalid), errors.Is(err, access.ErrStateChanged):
		msg := strings.TrimPrefix(err.Error(), "access: ")
		for _, sentinel := range []string{": not allowed", ": invalid request", ": request is no longer pending"} {
			msg = strings.TrimSuffix(msg, sentinel)
		}
		return msg
	}
	s.Logger.Error("decide", "err", err, "request_id", requestlog.ID(r.Context()))
	return "not possible right now (request id " + requestlog.ID(r.Context()) + ")"
}

// approvalsCSV exports the whole inbox in the page's order.
func (s *Server) approvalsCSV(w http.ResponseWriter, all []approvalRow) {
	var rows [][]string
	for _, a := range all {
		stage := ""
		for _, st := range a.Stages {
			if st.Current {
				stage = st.Name + ": " + st.Approvers
			}
		}
		q := a.Request
		rows = append(rows, []string{formatTime(q.CreatedAt, "2006-01-02 15:04"), a.ItemName, a.Risk, a.Beneficiary, a.Requester,
			q.Justification, q.Environment, formatTime(q.Start, "2006-01-02"), formatTime(q.End, "2006-01-02"), stage, a.Explanation})
	}
	writeCSV(w, "approvals.csv", []string{"requested", "item", "risk", "for", "requested by", "justification", "environment", "start", "end", "current stage", "policy"}, rows)
}
