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

type approvalRow struct {
	Request     store.AccessRequest
	Explanation string
}

type approvalsPage struct {
	Page
	Available bool
	Pending   []approvalRow
	Results   []string
	// ToConfirm are grants of items the viewer owns whose manual
	// fulfillment waits for them.
	ToConfirm []store.Grant
}

// approvals is the viewer's inbox: requests whose current stage lists
// them, with the policy's reasons, and a bulk approve / deny form.
func (s *Server) approvals(w http.ResponseWriter, r *http.Request) {
	s.renderApprovals(w, r, nil)
}

func (s *Server) renderApprovals(w http.ResponseWriter, r *http.Request, results []string) {
	ctx := r.Context()
	p := auth.PrincipalFrom(ctx)
	data := approvalsPage{Page: s.page(r, "Approvals", "approvals"), Available: s.Access != nil, Results: results}
	rs, err := s.Store.ListRequests(ctx, store.RequestQuery{Approver: p.PersonID, Limit: 500})
	if err != nil {
		s.internal(w, r, "approvals: list", err)
		return
	}
	for _, x := range rs {
		row := approvalRow{Request: x}
		if d, err := s.Store.GetPolicyDecision(ctx, x.DecisionID); err == nil {
			row.Explanation = d.Explanation
		}
		data.Pending = append(data.Pending, row)
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
					data.ToConfirm = append(data.ToConfirm, g)
				}
			}
		}
	}
	s.render(w, r, http.StatusOK, "approvals", data)
}

// decide applies one decision to every selected request. Each is decided
// on its own (and checked: never one's own request, only as a current
// approver); the outcome of each is shown.
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
	if len(ids) == 0 || (decision != "approve" && decision != "deny") {
		s.Fail(w, r, http.StatusBadRequest, "Nothing to decide", "Select at least one request and approve or deny.")
		return
	}
	comment := strings.TrimSpace(r.PostFormValue("comment"))
	var results []string
	for _, id := range ids {
		out, err := s.decideVisible(r, p, id, decision == "approve", comment)
		if err != nil {
			results = append(results, id+": "+s.decisionError(r, err))
			continue
		}
		results = append(results, id+": "+string(out.Request.State))
	}
	s.renderApprovals(w, r, results)
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
		s.renderApprovals(w, r, []string{r.PathValue("id") + ": " + err.Error()})
		return
	}
	s.renderApprovals(w, r, []string{g.ID + ": fulfillment confirmed, grant " + string(g.State)})
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
