package access

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
)

// Decide records an approver's approve or deny on the current stage of a
// pending request. Only the stage's approvers may decide, never the
// requester or the beneficiary; a denial needs a comment, and so does an
// approval of a high or critical risk item. When the last stage reaches its
// quorum the request is approved and its grant fulfilled.
func (s *Service) Decide(ctx context.Context, approverID, requestID string, approve bool, comment string) (Outcome, error) {
	now := s.now()
	comment = strings.TrimSpace(comment)
	var out Outcome
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		var entries []audit.Entry
		req, err := tx.UpdateRequest(ctx, requestID, func(r store.AccessRequest) (store.AccessRequest, error) {
			it, ok := s.item(r.ItemID)
			switch {
			case r.State != store.RequestPending:
				return r, fmt.Errorf("access: request %s is %s: %w", r.ID, r.State, ErrStateChanged)
			case approverID == r.RequesterID || approverID == r.BeneficiaryID:
				return r, fmt.Errorf("access: nobody decides on a request they made or benefit from: %w", ErrForbidden)
			case !slices.Contains(r.Stages[r.Stage].Approvers, approverID):
				return r, fmt.Errorf("access: %s is not an approver of stage %s: %w", approverID, r.Stages[r.Stage].Name, ErrForbidden)
			case slices.Contains(r.Stages[r.Stage].Approved, approverID):
				return r, fmt.Errorf("access: %s already approved stage %s: %w", approverID, r.Stages[r.Stage].Name, ErrInvalid)
			case !approve && comment == "":
				return r, fmt.Errorf("access: a denial needs a comment: %w", ErrInvalid)
			case approve && comment == "" && ok && (it.Risk == policy.RiskHigh || it.Risk == policy.RiskCritical):
				return r, fmt.Errorf("access: approving a %s-risk item needs a comment: %w", it.Risk, ErrInvalid)
			}
			if _, err := tx.CreateApproverDecision(ctx, store.ApproverDecision{RequestID: r.ID, Stage: r.Stage, ApproverID: approverID, Approve: approve, Comment: comment, CreatedAt: now}); err != nil {
				return r, err
			}
			stage := &r.Stages[r.Stage]
			entries = append(entries, audit.Entry{Actor: "person:" + approverID, Action: map[bool]string{true: "request.approved_stage", false: "request.denied"}[approve],
				Target: "request:" + r.ID, Details: map[string]any{"stage": stage.Name, "comment": comment}})
			if !approve {
				r.State, r.StageDue = store.RequestDenied, nil
				return r, nil
			}
			stage.Approved = append(stage.Approved, approverID)
			if len(stage.Approved) < stage.Quorum {
				return r, nil
			}
			r.Stage++
			if r.Stage < len(r.Stages) {
				r.StageDue = dueAfter(now, r.Stages[r.Stage].Timeout)
				return r, nil
			}
			r.State, r.StageDue = store.RequestApproved, nil
			return r, nil
		})
		if err != nil {
			return err
		}
		out.Request = req
		switch {
		case req.State == store.RequestApproved:
			var approvers []string
			for _, st := range req.Stages {
				approvers = append(approvers, st.Approved...)
			}
			g, err := tx.CreateGrant(ctx, store.Grant{
				ItemID: req.ItemID, HolderID: req.BeneficiaryID, HolderNHIID: req.BeneficiaryNHIID, RequestID: req.ID, DecisionID: req.DecisionID,
				Assurance: store.AssuranceApproved, ApproverIDs: approvers, Start: req.Start, End: req.End,
				State: store.GrantPending, CreatedAt: now,
			})
			if err != nil {
				return err
			}
			out.Grant = &g
			entries = append(entries, audit.Entry{Actor: "person:" + approverID, Action: "grant.created", Target: "grant:" + g.ID,
				Details: map[string]any{"item": g.ItemID, "holder": g.HolderID, "assurance": g.Assurance, "approvers": approvers, "request": req.ID}})
		case req.State == store.RequestPending && req.Stage > 0 && len(req.Stages[req.Stage].Approved) == 0:
			it, _ := s.item(req.ItemID)
			if err := notifyApprovers(ctx, tx, req, it, now); err != nil {
				return err
			}
		}
		_, err = audit.AppendAll(ctx, tx, now, entries...)
		return err
	})
	if err != nil {
		return Outcome{}, mapErr("decide", err)
	}
	return s.fulfillOutcome(ctx, out)
}

// Explanation is a request's decision record and every approver decision.
type Explanation struct {
	Request   store.AccessRequest
	Decision  store.PolicyDecision
	Approvals []store.ApproverDecision
}

// Explain returns why a request stands where it does. Only the requester,
// the beneficiary, the request's approvers and callers with admin or
// auditor rights (allowAll) may read it.
func (s *Service) Explain(ctx context.Context, viewerID, requestID string, allowAll bool) (Explanation, error) {
	var ex Explanation
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		r, err := tx.GetRequest(ctx, requestID)
		if err != nil {
			return err
		}
		if !allowAll && !involved(r, viewerID) {
			return fmt.Errorf("access: request %s: %w", requestID, ErrNotFound)
		}
		d, err := tx.GetPolicyDecision(ctx, r.DecisionID)
		if err != nil {
			return err
		}
		ads, err := tx.ListApproverDecisions(ctx, requestID)
		if err != nil {
			return err
		}
		ex = Explanation{Request: r, Decision: d, Approvals: ads}
		return nil
	})
	return ex, mapErrNil("explain", err)
}

func involved(r store.AccessRequest, id string) bool {
	if id == r.RequesterID || id == r.BeneficiaryID {
		return true
	}
	for _, st := range r.Stages {
		if slices.Contains(st.Approvers, id) || slices.Contains(st.Fallback, id) {
			return true
		}
	}
	return false
}

func mapErrNil(op string, err error) error {
	if err == nil {
		return nil
	}
	return mapErr(op, err)
}
